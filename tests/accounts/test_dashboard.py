"""/compte/: the account's tickets from every channel, unread replies, the full ticket dashboard without a token."""

import pytest
from django.urls import reverse

from guichet.accounts.services import account_citizen
from guichet.tickets.lifecycle import Channel
from guichet.tickets.services import message_post_by_agent
from tests import factories
from tests.accounts.conftest import make_account

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_citizen_sign_in(client, commune):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_lists_tickets_of_every_channel_linked_to_the_account(signed_in, account, request_type, agent):
    citizen = account_citizen(account)
    web = factories.make_ticket(request_type=request_type, citizen=citizen)
    phone = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.PHONE, entered_by=agent)
    someone_else = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory())
    page = signed_in.get(reverse("accounts:dashboard"))
    assert page.status_code == 200
    assert web.reference_display in page.text
    assert phone.reference_display in page.text
    assert someone_else.reference_display not in page.text


def test_unread_agent_reply_is_highlighted_until_the_ticket_is_opened(signed_in, account, request_type, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=account_citizen(account))
    assert "Nouvelle réponse de la mairie" not in signed_in.get(reverse("accounts:dashboard")).text
    message_post_by_agent(ticket=ticket, agent=agent, body="Nous passons jeudi.")
    assert "Nouvelle réponse de la mairie" in signed_in.get(reverse("accounts:dashboard")).text
    page = signed_in.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Nous passons jeudi." in page.text
    assert "Nouvelle réponse de la mairie" not in signed_in.get(reverse("accounts:dashboard")).text


def test_owner_opens_the_full_ticket_dashboard_and_replies_without_a_token(signed_in, account, request_type):
    ticket = factories.make_ticket(request_type=request_type, citizen=account_citizen(account))
    page = signed_in.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Échanges avec la mairie" in page.text
    response = signed_in.post(reverse("portal:reply", args=[ticket.reference]), {"body": "Merci !"})
    assert response.status_code == 302
    assert ticket.messages.filter(body="Merci !").exists()


def test_another_account_only_sees_the_public_status_page(client, account, request_type):
    ticket = factories.make_ticket(request_type=request_type, citizen=account_citizen(account))
    intruder = make_account("intrus@example.org")
    client.force_login(intruder)
    page = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert page.status_code == 200
    assert "Échanges avec la mairie" not in page.text
    assert client.post(reverse("portal:reply", args=[ticket.reference]), {"body": "x"}).status_code == 404


def test_dashboard_queries_do_not_grow_with_tickets(signed_in, account, request_type, django_assert_max_num_queries):
    citizen = account_citizen(account)
    for _ in range(3):
        factories.make_ticket(request_type=request_type, citizen=citizen)
    with django_assert_max_num_queries(12) as few:
        signed_in.get(reverse("accounts:dashboard"))
    for _ in range(10):
        factories.make_ticket(request_type=request_type, citizen=citizen)
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(reverse("accounts:dashboard"))


def test_agent_account_gets_a_personal_citizen_space(client, agent):
    client.force_login(agent)
    page = client.get(reverse("accounts:dashboard"))
    assert page.status_code == 200
    assert "Aller à l’espace agents" in page.text


def test_profile_is_editable_and_validated(signed_in, account):
    url = reverse("accounts:profile")
    data = {
        "first_name": "Camille",
        "last_name": "Martin-Roux",
        "birth_date": "1985-03-02",
        "phone": "06 11 22 33 44",
        "street": "3 rue des Lilas",
        "postcode": "75011",
        "city": "Paris",
        "preferred_channel": "sms",
        "consent_email": "on",
        "consent_sms": "on",
    }
    assert signed_in.post(url, data).status_code == 302
    citizen = account_citizen(account)
    assert (citizen.last_name, citizen.phone, citizen.postcode, citizen.preferred_channel) == (
        "Martin-Roux",
        "+33611223344",
        "75011",
        "sms",
    )
    account.refresh_from_db()
    assert account.last_name == "Martin-Roux"
    bad = signed_in.post(url, {**data, "phone": "", "consent_sms": ""})
    assert bad.status_code == 400
    assert "Indiquez votre numéro de téléphone portable" in bad.text
