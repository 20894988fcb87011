"""A citizen's rights answered from the back office: access (JSON, PDF), rectification, erasure."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from guichet.accounts.models import User
from guichet.accounts.services import account_citizen
from guichet.citizens.models import Citizen
from guichet.compliance.models import AccessAction, PersonalDataAccess
from guichet.compliance.rights import erase_citizen
from guichet.notifications.models import Notification
from guichet.tickets.models import Event, EventKind, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

RIGHTS_URLS = [
    ("get", "backoffice:citizen_rights"),
    ("get", "backoffice:citizen_data_json"),
    ("get", "backoffice:citizen_data_pdf"),
    ("post", "backoffice:citizen_rectify"),
    ("post", "backoffice:citizen_erase"),
]


@pytest.mark.parametrize(("method", "name"), RIGHTS_URLS)
@pytest.mark.parametrize("persona", ["agent", "supervisor", "reception"])
def test_agents_without_the_right_are_refused_and_nothing_changes(client, request, full_ticket, persona, method, name):
    citizen = full_ticket.citizen
    client.force_login(request.getfixturevalue(persona))
    data = {"confirm": "on", "last_name": "Autre", "preferred_channel": "email"} if method == "post" else None
    response = getattr(client, method)(reverse(name, args=[citizen.public_id]), data)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.last_name == "Lefèvre" and not PersonalDataAccess.objects.exists()


def test_the_citizen_page_links_to_the_rights_only_for_those_who_hold_it(client, agent, dpo, citizen):
    link = reverse("backoffice:citizen_rights", args=[citizen.public_id])
    client.force_login(agent)
    assert link not in client.get(reverse("backoffice:citizen", args=[citizen.public_id])).content.decode()
    client.force_login(dpo)
    assert link in client.get(reverse("backoffice:citizen", args=[citizen.public_id])).content.decode()


def test_the_json_copy_holds_everything_about_the_citizen_and_is_logged(client, dpo, full_ticket):
    citizen = full_ticket.citizen
    client.force_login(dpo)
    response = client.get(reverse("backoffice:citizen_data_json", args=[citizen.public_id]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["citizen"]["email"] == "helene.lefevre@example.org" and data["citizen"]["last_name"] == "Lefèvre"
    (ticket,) = data["tickets"]
    assert ticket["reference"] == full_ticket.reference_display
    assert [m["body"] for m in ticket["messages"]] == ["Nous intervenons jeudi.", "Voir avec l'équipe B."]
    assert ticket["attachments"][0]["name"] == "photo.png"
    assert {n["template"] for n in ticket["notifications"]} >= {"acknowledgement", "agent_reply"}
    assert {n["recipient"] for n in ticket["notifications"]} == {"helene.lefevre@example.org"}
    entry = PersonalDataAccess.objects.get()
    assert (entry.action, entry.citizen, entry.user, entry.detail) == (
        AccessAction.RIGHT_OF_ACCESS,
        citizen,
        dpo,
        "JSON",
    )


def test_the_pdf_copy_is_a_real_pdf(client, administrator, full_ticket):
    client.force_login(administrator)
    response = client.get(reverse("backoffice:citizen_data_pdf", args=[full_ticket.citizen.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
    assert PersonalDataAccess.objects.get().detail == "PDF"


def test_rectification_corrects_the_record_and_logs_the_fields_changed(client, dpo, full_ticket):
    citizen = full_ticket.citizen
    client.force_login(dpo)
    data = {
        "last_name": "Lefèvre-Martin", "first_name": "Hélène", "email": "helene.lefevre@example.org",
        "phone": "06 12 34 56 78", "street": "3 rue Haute", "postcode": "45270", "city": "Villebrune",
        "preferred_channel": "email", "consent_email": "on",
    }  # fmt: skip
    response = client.post(reverse("backoffice:citizen_rectify", args=[citizen.public_id]), data)
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.last_name, citizen.street, citizen.phone) == ("Lefèvre-Martin", "3 rue Haute", "+33612345678")
    entry = PersonalDataAccess.objects.get()
    assert entry.action == AccessAction.RECTIFY and entry.detail == "city, consent_sms, last_name, postcode, street"
    # The tickets' search follows the new name.
    assert "martin" in Ticket.objects.get(pk=full_ticket.pk).search_text


def test_a_bad_rectification_is_explained_and_keeps_what_was_typed(client, dpo, citizen):
    client.force_login(dpo)
    data = {"last_name": "Nouveau", "phone": "12", "preferred_channel": "email"}
    response = client.post(reverse("backoffice:citizen_rectify", args=[citizen.public_id]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Numéro de téléphone invalide" in html and 'value="Nouveau"' in html
    citizen.refresh_from_db()
    assert citizen.last_name == "Lefèvre" and not PersonalDataAccess.objects.exists()


def test_erasure_anonymises_the_record_and_its_tickets_with_an_event_each(client, dpo, full_ticket):
    citizen = full_ticket.citizen
    client.force_login(dpo)
    refused = client.post(reverse("backoffice:citizen_erase", args=[citizen.public_id]), {})
    assert refused.status_code == 400 and "Cochez la case" in refused.content.decode()
    response = client.post(reverse("backoffice:citizen_erase", args=[citizen.public_id]), {"confirm": "on"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.first_name, citizen.email, citizen.phone) == ("", "", "")
    assert citizen.last_name == "Usager anonymisé"
    event = Event.objects.get(ticket=full_ticket, kind=EventKind.PERSONAL_DATA_ERASED)
    assert event.actor == dpo
    assert set(Notification.objects.filter(ticket=full_ticket).values_list("recipient", flat=True)) == {""}
    assert "lefevre" not in Ticket.objects.get(pk=full_ticket.pk).search_text
    entry = PersonalDataAccess.objects.get()
    assert (entry.action, entry.citizen_id, entry.user) == (AccessAction.ERASE, citizen.pk, dpo)


def test_erasure_closes_a_citizen_account_too(administrator, request_type):
    user = User.objects.create_user(username="helene", email="helene@example.org", password="x")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    citizen = account_citizen(user)
    factories.make_ticket(request_type=request_type, citizen=citizen)
    erase_citizen(citizen, administrator)
    assert not User.objects.filter(pk=user.pk).exists()
    assert Citizen.objects.get(pk=citizen.pk).user is None


def test_a_record_behind_a_town_hall_account_is_not_erased_here(client, administrator, agent):
    citizen = factories.CitizenFactory(user=agent)
    client.force_login(administrator)
    response = client.post(
        reverse("backoffice:citizen_erase", args=[citizen.public_id]), {"confirm": "on"}, follow=True
    )
    assert "compte de la mairie" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.last_name == "Lefèvre" and User.objects.filter(pk=agent.pk).exists()
