import uuid

import pytest
from django.urls import reverse

from guichet.citizens.models import Citizen
from guichet.lib.phonetic import spell
from guichet.notifications.models import Notification, Template
from guichet.organisation.models import Role
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reception(client, service):
    user = factories.AgentFactory(role=Role.RECEPTION, services=[service]).user
    client.force_login(user)
    return user


def url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("backoffice:new_request") + (f"?{query}" if query else "")


def type_fields(**extra):
    data = {
        "submission_key": str(uuid.uuid4()),
        "f_adresse_0": "3 place du Marché",
        "f_adresse_1": "45270",
        "f_adresse_2": "Villebrune",
        "f_description": "Nid-de-poule signalé par téléphone",
    }
    return data | extra


def test_spelling_uses_the_french_telephone_alphabet():
    assert spell("K7Q") == ["K comme Kléber", "7 (sept)", "Q comme Quintal"]


def test_phone_request_for_a_new_citizen(client, reception, request_type):
    page = client.get(url(canal=Channel.PHONE, demarche=request_type.slug))
    assert page.status_code == 200 and "Nouvel usager" in page.text
    data = type_fields(**{"usager-first_name": "Jean", "usager-last_name": "Moulin", "usager-phone": "06 11 22 33 44"})
    response = client.post(
        url(canal=Channel.PHONE, demarche=request_type.slug), data | {"ack": "sms", "note": "Appel à 9 h"}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("backoffice:intake_done", args=[ticket.reference])
    assert (ticket.channel, ticket.entered_by) == (Channel.PHONE, reception)
    created = Event.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert (created.actor, created.channel) == (reception, Channel.PHONE)
    assert (ticket.citizen.phone, ticket.citizen.consent_sms, ticket.citizen.consent_email) == (
        "+33611223344",
        True,
        False,
    )
    assert Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT).channel == "sms"
    assert Message.objects.get(ticket=ticket).visibility == "internal"
    done = client.get(response.url)
    assert ticket.reference_display in done.text
    assert "comme" in done.text  # the phonetic spelling is on the page


def test_counter_request_for_an_existing_citizen_without_acknowledgement(client, reception, request_type, citizen):
    response = client.post(
        url(canal=Channel.COUNTER, demarche=request_type.slug, usager=citizen.public_id), type_fields(ack="none")
    )
    ticket = Ticket.objects.get()
    assert (ticket.citizen, ticket.channel) == (citizen, Channel.COUNTER)
    assert not Notification.objects.filter(template=Template.ACKNOWLEDGEMENT).exists()
    assert Citizen.objects.count() == 1
    done = client.get(response.url)
    assert "Imprimer le récépissé" in done.text


def test_an_acknowledgement_chosen_for_a_known_citizen_withdraws_no_consent(client, reception, request_type):
    """The agent asks how to send the acknowledgement: the answer grants that channel and withdraws nothing."""
    known = factories.CitizenFactory(phone="+33611223344", preferred_channel="email", consent_email=True)
    client.post(url(canal=Channel.PHONE, demarche=request_type.slug, usager=known.public_id), type_fields(ack="sms"))
    known.refresh_from_db()
    assert (known.preferred_channel, known.consent_sms, known.consent_email) == ("sms", True, True)
    assert Notification.objects.get(template=Template.ACKNOWLEDGEMENT).channel == "sms"


def test_the_counter_receipt_is_a_pdf_with_the_reference(client, reception, request_type, citizen):
    ticket = factories.make_ticket(
        request_type=request_type, citizen=citizen, channel=Channel.COUNTER, entered_by=reception
    )
    response = client.post(reverse("backoffice:receipt", args=[ticket.reference]), {"format": "ticket80"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert ticket.access_tokens.count() == 1
    assert client.post(reverse("backoffice:receipt", args=[ticket.reference]), {"format": "a5"}).status_code == 404


def test_opening_the_receipt_address_writes_nothing_and_offers_print_buttons(client, reception, request_type, citizen):
    # A GET (prefetch, reload, browser history) must not mint another permanent personal link.
    ticket = factories.make_ticket(
        request_type=request_type, citizen=citizen, channel=Channel.COUNTER, entered_by=reception
    )
    done = client.get(reverse("backoffice:intake_done", args=[ticket.reference]))
    assert f'method="post" action="{reverse("backoffice:receipt", args=[ticket.reference])}"' in done.text
    for layout in ("a4", "ticket80"):
        page = client.get(reverse("backoffice:receipt", args=[ticket.reference]), {"format": layout})
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert "Imprimer le récépissé (A4)" in page.text
    assert not ticket.access_tokens.exists()


def test_invalid_intake_keeps_everything_typed(client, reception, request_type):
    data = type_fields(**{"f_adresse_1": "45", "usager-last_name": "Moulin", "usager-email": "jean@example.org"})
    response = client.post(url(canal=Channel.PHONE, demarche=request_type.slug), data | {"ack": "email"})
    assert response.status_code == 400
    assert "Le code postal doit comporter 5 chiffres." in response.text
    assert "Moulin" in response.text and "Nid-de-poule signalé par téléphone" in response.text
    assert not Ticket.objects.exists() and not Citizen.objects.exists()


def test_acknowledgement_by_email_needs_an_email(client, reception, request_type):
    data = type_fields(**{"usager-last_name": "Moulin"})
    response = client.post(url(canal=Channel.PHONE, demarche=request_type.slug), data | {"ack": "email"})
    assert response.status_code == 400
    assert "Pas d’adresse électronique pour cet usager" in response.text
    assert not Citizen.objects.exists()


def test_the_same_form_sent_twice_makes_one_ticket(client, reception, request_type, citizen):
    data = type_fields(ack="none")
    target = url(canal=Channel.COUNTER, demarche=request_type.slug, usager=citizen.public_id)
    client.post(target, data)
    client.post(target, data)
    assert Ticket.objects.count() == 1


def test_citizen_search_offers_existing_records(client, reception, citizen):
    page = client.get(url(q="lefevre"))
    assert citizen.full_name in page.text and citizen.public_id in page.text


def test_relayed_phone_message_joins_the_thread_and_reopens(client, reception, ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(entered_by=reception)  # a request reception typed in
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Précisez ?", new_status=Status.AWAITING_CITIZEN)
    ticket.refresh_from_db()
    response = client.post(
        reverse("backoffice:relayed_message", args=[ticket.reference]),
        {"version": ticket.version, "canal": Channel.PHONE, "body": "Elle précise : côté pair"},
    )
    assert response.status_code == 302
    message = Message.objects.get(ticket=ticket, author_kind="citizen")
    assert (message.channel, message.author, message.body) == (Channel.PHONE, reception, "Elle précise : côté pair")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_intake_screens_are_for_agents_only(client, ticket):
    assert client.get(reverse("backoffice:new_request")).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(reverse("backoffice:new_request")).status_code == 403
    assert client.get(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 403
    assert client.post(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 403


def test_receipt_of_another_services_ticket_is_refused(client, other_agent, ticket):
    client.force_login(other_agent)
    assert client.get(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 404
    assert client.post(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 404
    assert client.get(reverse("backoffice:intake_done", args=[ticket.reference])).status_code == 404


def test_reception_prints_receipts_only_for_the_requests_it_entered(client, reception, ticket):
    # The receipt holds a personal link acting as the citizen: seeing a ticket is not enough to mint one.
    assert client.get(reverse("backoffice:intake_done", args=[ticket.reference])).status_code == 200
    assert client.get(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 404
    assert client.post(reverse("backoffice:receipt", args=[ticket.reference])).status_code == 404
    assert not ticket.access_tokens.exists()


@pytest.fixture
def closed_ticket_of_another_service(ticket, agent):
    for status in [Status.ANSWERED, Status.CLOSED]:
        ticket = services.ticket_change_status(ticket=ticket, to_status=status, actor=agent)
    ticket.refresh_from_db()
    return ticket


def test_reception_cannot_relay_on_a_ticket_it_did_not_enter(client, reception, closed_ticket_of_another_service):
    """permissions.py: on a ticket it did not enter, reception only reads and adds notes."""
    ticket = closed_ticket_of_another_service
    events = Event.objects.filter(ticket=ticket).count()
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert page.status_code == 200 and reverse("backoffice:relayed_message", args=[ticket.reference]) not in page.text
    response = client.post(
        reverse("backoffice:relayed_message", args=[ticket.reference]),
        {"version": ticket.version, "canal": Channel.PHONE, "body": "Il rappelle : toujours en panne"},
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert not Message.objects.filter(ticket=ticket, author_kind="citizen").exists()
    assert Event.objects.filter(ticket=ticket).count() == events


def test_the_services_agent_relays_a_call_on_a_closed_ticket_and_reopens_it(
    client, agent, closed_ticket_of_another_service
):
    ticket = closed_ticket_of_another_service
    client.force_login(agent)
    assert (
        reverse("backoffice:relayed_message", args=[ticket.reference])
        in client.get(reverse("backoffice:ticket", args=[ticket.reference])).text
    )
    response = client.post(
        reverse("backoffice:relayed_message", args=[ticket.reference]),
        {"version": ticket.version, "canal": Channel.PHONE, "body": "Il rappelle : toujours en panne"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Message.objects.get(ticket=ticket, author_kind="citizen").author == agent


def test_an_agent_of_another_service_cannot_relay(client, other_agent, ticket):
    client.force_login(other_agent)
    response = client.post(
        reverse("backoffice:relayed_message", args=[ticket.reference]),
        {"version": ticket.version, "canal": Channel.PHONE, "body": "Bonjour"},
    )
    assert response.status_code == 404 and not Message.objects.filter(ticket=ticket).exists()
