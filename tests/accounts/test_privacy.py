"""« Télécharger mes données » and account deletion (tickets kept, detached, without personal data)."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from guichet.accounts.models import User
from guichet.accounts.services import ANONYMOUS_NAME, account_citizen
from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember
from guichet.households.services import member_create
from guichet.notifications.models import Notification
from guichet.tickets.models import AccessToken, EventKind, Ticket
from guichet.tickets.services import message_post_by_agent
from tests import factories
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(account, request_type, agent):
    citizen = account_citizen(account)
    child = member_create(
        citizen=citizen,
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2017, 5, 4),
        relationship="child",
    )
    ticket = factories.make_ticket(
        request_type=request_type,
        citizen=citizen,
        household_member=child,
        answers=[
            {"code": "description", "label": "Description", "kind": "long_text", "value": "Trou profond"},
            {"code": "tel", "label": "Téléphone", "kind": "phone", "value": "+33611223344"},
        ],
    )
    message_post_by_agent(ticket=ticket, agent=agent, body="Nous passons jeudi.")
    message_post_by_agent(ticket=ticket, agent=agent, body="Note interne secrète", internal=True)
    return ticket


def test_export_holds_profile_household_and_tickets_with_public_thread(signed_in, account, history):
    response = signed_in.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "camille.martin@example.org"
    assert data["household"][0]["first_name"] == "Noé"
    [ticket] = data["tickets"]
    assert ticket["reference"] == history.reference_display
    assert ticket["household_member"] == "Noé Martin"
    bodies = [message["body"] for message in ticket["thread"]]
    assert "Nous passons jeudi." in bodies
    assert "Note interne secrète" not in response.content.decode()


def test_export_needs_a_sign_in(client, commune):
    assert client.get(reverse("accounts:export")).status_code == 302


def test_deletion_page_says_what_is_kept_before_confirming(signed_in, history):
    page = signed_in.get(reverse("accounts:delete"))
    assert page.status_code == 200
    assert "reste archivée par la mairie" in page.text


def test_deletion_needs_confirmation_and_password(signed_in, account, history):
    response = signed_in.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 400
    response = signed_in.post(reverse("accounts:delete"), {"confirm": "on", "password": "faux"})
    assert response.status_code == 400
    assert User.objects.filter(pk=account.pk).exists()


def test_deletion_keeps_tickets_detached_and_anonymised(signed_in, account, history):
    citizen_pk = account_citizen(account).pk
    response = signed_in.post(reverse("accounts:delete"), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=account.pk).exists()
    assert not EmailAddress.objects.filter(email="camille.martin@example.org").exists()
    assert not HouseholdMember.objects.exists()
    ticket = Ticket.objects.get(pk=history.pk)  # kept
    assert ticket.household_member is None
    assert [answer["kind"] for answer in ticket.answers] == ["long_text"]
    assert ticket.messages.filter(body="Nous passons jeudi.").exists()
    citizen = Citizen.objects.get(pk=citizen_pk)
    assert citizen.user is None
    assert (citizen.first_name, citizen.last_name, citizen.email, citizen.phone) == ("", ANONYMOUS_NAME, "", "")
    assert "camille" not in ticket.search_text and "martin" not in citizen.search_text
    assert not AccessToken.objects.filter(ticket=ticket).exists()
    assert not Notification.objects.filter(ticket=ticket, recipient__icontains="camille").exists()
    assert ticket.events.filter(kind=EventKind.ACCOUNT_DELETED).exists()
    assert "_auth_user_id" not in signed_in.session


def test_agent_account_cannot_be_deleted_from_the_citizen_space(client, agent):
    client.force_login(agent)
    page = client.get(reverse("accounts:delete"))
    assert "Un compte agent ne peut pas être supprimé" in page.text
    response = client.post(reverse("accounts:delete"), {"confirm": "on", "password": "mot-de-passe-test"})
    assert response.status_code in {400, 403}
    assert User.objects.filter(pk=agent.pk).exists()
