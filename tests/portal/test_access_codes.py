import datetime
import email
import email.policy
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.lib.masking import mask_email, mask_phone
from guichet.notifications.delivery import deliver
from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.portal.challenge import solve
from guichet.tickets.credentials import CODE_MAX_ATTEMPTS, access_code_issue
from guichet.tickets.models import AccessCode
from tests import factories

pytestmark = pytest.mark.django_db


def request_code(client, ticket):
    """As a browser with JavaScript does: solve the page's proof of work, then send."""
    page = client.get(reverse("portal:access_code", args=[ticket.reference]))
    challenge = page.context["challenge"]
    nonce = solve(challenge, page.context["challenge_bits"])
    return client.post(
        reverse("portal:access_code_send", args=[ticket.reference]), {"pow_challenge": challenge, "pow_nonce": nonce}
    )


def check_code(client, ticket, code):
    return client.post(reverse("portal:access_code_check", args=[ticket.reference]), {"code": code})


def sent_code(smtp_server) -> str:
    message = email.message_from_bytes(smtp_server.envelopes[-1].content, policy=email.policy.default)
    return re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)


def test_masks_show_where_the_code_goes_without_the_whole_address():
    assert mask_email("helene.lefevre@example.org") == "h•••••••••••••@example.org"
    assert mask_phone("+33612345678") == "06 •• •• •• 78"


def test_status_page_leads_to_a_code_sent_to_the_masked_address(client, ticket):
    status = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert reverse("portal:access_code", args=[ticket.reference]) in status.text
    page = client.get(reverse("portal:access_code", args=[ticket.reference]))
    assert "Recevoir un code à h•" in page.text
    assert ticket.citizen.email not in page.text


def test_code_arrives_by_email_and_opens_the_dashboard_once(client, ticket, smtp_server):
    response = request_code(client, ticket)
    assert response.status_code == 302 and "envoye=1" in response.url
    assert "Un code vient de partir" in client.get(response.url).text
    notification = Notification.objects.get(template=Template.ACCESS_CODE)
    assert deliver(notification.pk) == DeliveryStatus.SENT
    code = sent_code(smtp_server)
    assert code not in str(list(AccessCode.objects.values()))  # only a keyed hash is stored
    assert check_code(client, ticket, f"{code[:3]} {code[3:]}").status_code == 302
    assert "Écrire à la mairie" in client.get(reverse("portal:ticket", args=[ticket.reference])).text
    stranger = client.__class__()
    assert check_code(stranger, ticket, code).status_code == 400  # used once, then gone


def test_wrong_code_is_refused_in_french_and_counts_attempts(client, ticket):
    code = access_code_issue(ticket=ticket)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = check_code(client, ticket, wrong)
    assert response.status_code == 400
    assert "Ce code est incorrect ou n’est plus valable" in response.text
    assert AccessCode.objects.get().attempts == 1


def test_a_code_dies_after_too_many_wrong_attempts(client, ticket, settings):
    settings.GUICHET_LOOKUP_RATE = "100/m"
    code = access_code_issue(ticket=ticket)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(CODE_MAX_ATTEMPTS):
        check_code(client, ticket, wrong)
    assert check_code(client, ticket, code).status_code == 400


def test_an_expired_code_is_refused(client, ticket):
    code = access_code_issue(ticket=ticket)
    later = timezone.now() + datetime.timedelta(minutes=16)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert check_code(client, ticket, code).status_code == 400


def test_another_tickets_code_gives_nothing(client, ticket, request_type):
    other = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(last_name="Martin"))
    code = access_code_issue(ticket=other)
    assert check_code(client, ticket, code).status_code == 400


def test_codes_per_ticket_are_limited(client, ticket):
    for _ in range(3):
        request_code(client, ticket)
    response = request_code(client, ticket)
    page = client.get(response.url)
    assert "attendez une heure" in page.text
    assert Notification.objects.filter(template=Template.ACCESS_CODE).count() == 3


def test_sms_citizens_get_the_code_by_sms(client, request_type, settings):
    citizen = factories.CitizenFactory(email="", preferred_channel="sms")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    request_code(client, ticket)
    notification = Notification.objects.get(template=Template.ACCESS_CODE)
    assert (notification.channel, notification.recipient) == ("sms", "+33612345678")
    assert deliver(notification.pk) == DeliveryStatus.SENT
    [sms] = [p for p in settings.SMS_FILE_PATH.glob("*.json") if "code" in p.read_text()]
    assert re.search(r"\b\d{6}\b", sms.read_text())


def test_unknown_reference_gives_the_neutral_page(client):
    from guichet.lib import references

    response = client.post(reverse("portal:access_code_send", args=[references.generate()]))
    assert response.status_code == 404
