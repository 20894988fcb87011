"""The notice before expiry: once per ticket, by email over real SMTP, with a signed link to this one ticket's
PDF that works without an account; strangers, forged, expired or spent links are refused."""

import datetime
import email
import re
from email import policy as email_policy
from urllib.parse import urlsplit

import pypdfium2
import pytest
from django.core import signing
from django.utils import timezone

from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, Template
from guichet.retention import notices
from guichet.retention.job import apply_retention
from guichet.retention.policies import policies_by_type
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from tests import factories

pytestmark = pytest.mark.django_db


def close(ticket, agent, reply="Votre trottoir est réparé."):
    services.message_post_by_agent(ticket=ticket, agent=agent, body=reply, new_status=Status.ANSWERED)
    ticket.refresh_from_db()
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def closed(ticket, agent):
    return close(ticket, agent)


def soon_after(ticket) -> datetime.datetime:
    """Twenty days before the twelve months are over: inside the 30-day notice."""
    return ticket.closed_at + datetime.timedelta(days=345)


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return " ".join(page.get_textpage().get_text_range() for page in document)


def test_the_notice_goes_once_by_email_with_a_link_to_this_tickets_pdf(client, closed, smtp_server):
    report = apply_retention(now=soon_after(closed))
    assert report.notices == 1 and not report.anonymised
    assert apply_retention(now=soon_after(closed) + datetime.timedelta(days=1)).notices == 0  # once per ticket
    notification = Notification.objects.get(template=Template.RETENTION_NOTICE)
    assert notification.recipient == "helene.lefevre@example.org"
    assert "suivi/telecharger" not in str(notification.context)  # the link is signed at send time only
    deliver(notification.pk)

    (envelope,) = [e for e in smtp_server.envelopes if "helene.lefevre@example.org" in e.rcpt_tos]
    message = email.message_from_bytes(envelope.content, policy=email_policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "seront effacés" in text
    link = re.search(r"https?://\S+/suivi/telecharger/\S+/", text).group(0)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert closed.reference_display in text and "Votre trottoir est réparé." in text


def test_a_link_gives_only_its_own_ticket_and_strangers_are_refused(client, closed, request_type, agent, settings):
    other = close(factories.make_ticket(request_type=request_type, citizen=closed.citizen), agent, "Autre réponse")
    token = notices.download_token(closed)
    body = pdf_text(client.get(f"/suivi/telecharger/{token}/").content)
    assert closed.reference_display in body and other.reference_display not in body
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered signature
        signing.dumps(other.reference, compress=True),  # signed without the download salt
        signing.dumps(other.reference, salt="autre.usage", compress=True),
        "nimportequoi",
    ]
    for value in forged:
        assert client.get(f"/suivi/telecharger/{value}/").status_code == 404


def test_an_expired_link_or_an_anonymised_ticket_gives_nothing(client, closed, settings):
    token = notices.download_token(closed)
    settings.GUICHET_RETENTION_LINK_DAYS = -1  # every link is already too old
    assert client.get(f"/suivi/telecharger/{token}/").status_code == 404
    settings.GUICHET_RETENTION_LINK_DAYS = 45
    apply_retention(now=closed.closed_at + datetime.timedelta(days=400))
    assert client.get(f"/suivi/telecharger/{token}/").status_code == 404


def test_no_notice_without_an_email_under_a_hold_or_far_from_expiry(request_type, agent, supervisor, closed):
    no_email = factories.CitizenFactory(first_name="Marcel", last_name="Sms", email="")
    close(factories.make_ticket(request_type=request_type, citizen=no_email), agent)
    held = close(factories.make_ticket(request_type=request_type, citizen=closed.citizen), agent)
    services.ticket_legal_hold_set(ticket=held, actor=supervisor, reason="Enquête")
    assert notices.notices_send(now=timezone.now(), policies=policies_by_type()) == 0
    assert notices.notices_send(now=soon_after(closed), policies=policies_by_type()) == 1
    assert Notification.objects.filter(template=Template.RETENTION_NOTICE).get().ticket == closed


def test_failed_downloads_count_against_the_lookup_limit(client, closed, settings):
    settings.GUICHET_LOOKUP_RATE = "2/m"  # blocked once failures exceed 2
    for _ in range(3):
        assert client.get("/suivi/telecharger/faux/").status_code == 404
    assert client.get(f"/suivi/telecharger/{notices.download_token(closed)}/").status_code == 429
