"""Earlier tickets: only those sent from a verified address of the account, only once the holder confirms."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from guichet.accounts.selectors import claimable_tickets
from guichet.accounts.services import account_citizen
from guichet.citizens.services import citizen_update
from guichet.tickets.models import EventKind
from tests import factories
from tests.accounts.conftest import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_ticket(request_type):
    """Sent without an account, from the address the account verified later."""
    walk_in = factories.CitizenFactory(email="camille.martin@example.org", first_name="Camille", last_name="Martin")
    return factories.make_ticket(request_type=request_type, citizen=walk_in)


def test_earlier_ticket_from_the_verified_email_is_listed_but_not_attached(signed_in, account, earlier_ticket):
    page = signed_in.get(reverse("accounts:dashboard"))
    assert "Les voir et les rattacher" in page.text
    assert earlier_ticket.reference_display not in page.text  # not on the dashboard until confirmed
    earlier_ticket.refresh_from_db()
    assert earlier_ticket.citizen.user_id is None
    page = signed_in.get(reverse("accounts:claim"))
    assert earlier_ticket.reference_display in page.text


def test_claim_attaches_only_the_confirmed_tickets(signed_in, account, earlier_ticket, request_type):
    other = factories.make_ticket(request_type=request_type, citizen=earlier_ticket.citizen)
    response = signed_in.post(reverse("accounts:claim"), {"references": [earlier_ticket.reference]})
    assert response.status_code == 302
    earlier_ticket.refresh_from_db()
    other.refresh_from_db()
    assert earlier_ticket.citizen == account_citizen(account)
    assert other.citizen.user_id is None
    assert earlier_ticket.events.filter(kind=EventKind.CLAIMED, actor=account).exists()
    assert earlier_ticket.reference_display in signed_in.get(reverse("accounts:dashboard")).text


def test_unverified_email_never_matches(client, earlier_ticket, commune):
    user = make_account("camille.martin@example.org", verified=False)
    assert list(claimable_tickets(user)) == []
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert list(claimable_tickets(user)) == [earlier_ticket]


def test_ticket_of_another_address_or_account_cannot_be_claimed(signed_in, account, request_type):
    stranger = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(email="x@example.org"))
    owner = make_account("proprio@example.org")
    owned = factories.make_ticket(request_type=request_type, citizen=account_citizen(owner))
    for ticket in (stranger, owned):
        response = signed_in.post(reverse("accounts:claim"), {"references": [ticket.reference]})
        assert response.status_code == 400
        ticket.refresh_from_db()
        assert ticket.citizen.user_id != account.pk


def test_claim_needs_a_choice(signed_in, earlier_ticket):
    response = signed_in.post(reverse("accounts:claim"), {})
    assert response.status_code == 400
    earlier_ticket.refresh_from_db()
    assert earlier_ticket.citizen.user_id is None


def sms_code(settings, to: str = "+33699887766") -> str:
    """The last verification code sent to this number (the file SMS backend's outbox)."""
    texts = [
        message["text"]
        for path in sorted(settings.SMS_FILE_PATH.glob("*.json"))
        if (message := json.loads(path.read_text()))["to"] == to and "code de vérification" in message["text"]
    ]
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


@pytest.mark.django_db(transaction=True)
def test_phone_verified_by_sms_code_lets_the_holder_claim_phone_tickets(
    signed_in, account, request_type, settings, run_worker
):
    settings.SMS_BACKEND = "file"
    caller = factories.CitizenFactory(email="", phone="+33699887766")
    by_phone = factories.make_ticket(request_type=request_type, citizen=caller, channel="phone")
    account_citizen(account)
    signed_in.post(
        reverse("accounts:profile"),
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "phone": "06 99 88 77 66",
            "preferred_channel": "email",
            "consent_email": "on",
        },
    )
    assert list(claimable_tickets(account)) == []  # the number is not verified yet

    response = signed_in.post(reverse("accounts:phone_send"))
    assert response["Location"] == reverse("accounts:phone_verify")
    run_worker()  # the code goes out through the notification queue
    code = sms_code(settings)
    wrong = "000000" if code != "000000" else "111111"
    assert signed_in.post(reverse("accounts:phone_verify"), {"code": wrong}).status_code == 400
    assert list(claimable_tickets(account)) == []
    assert signed_in.post(reverse("accounts:phone_verify"), {"code": code}).status_code == 302
    assert list(claimable_tickets(account)) == [by_phone]

    signed_in.post(reverse("accounts:claim"), {"references": [by_phone.reference]})
    by_phone.refresh_from_db()
    assert by_phone.citizen.user == account


@pytest.mark.django_db(transaction=True)
def test_a_verified_number_stops_counting_once_the_profile_number_changes(
    signed_in, account, request_type, settings, run_worker
):
    settings.SMS_BACKEND = "file"
    citizen = account_citizen(account)
    citizen_update(citizen=citizen, phone="+33699887766")
    signed_in.post(reverse("accounts:phone_send"))
    run_worker()
    signed_in.post(reverse("accounts:phone_verify"), {"code": sms_code(settings)})
    caller = factories.CitizenFactory(email="", phone="+33699887766")
    factories.make_ticket(request_type=request_type, citizen=caller, channel="phone")
    assert claimable_tickets(account).count() == 1
    citizen_update(citizen=citizen, phone="+33611111111")
    assert claimable_tickets(account).count() == 0
