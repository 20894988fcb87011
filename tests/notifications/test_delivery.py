import email
import email.policy
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import example, given
from hypothesis import strategies as st

from guichet.lib.mail import Email
from guichet.lib.sms import sms_length
from guichet.notifications.delivery import backoff, deliver
from guichet.notifications.models import DeliveryStatus, Notification
from guichet.tickets.models import AccessToken, Event, EventKind
from tests import factories
from tests.conftest import free_port

db_with_worker = pytest.mark.django_db(transaction=True)


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


@db_with_worker
def test_worker_sends_the_acknowledgement_through_smtp(ticket, smtp_server, run_worker, settings):
    run_worker()
    notification = Notification.objects.get(ticket=ticket)
    assert notification.status == DeliveryStatus.SENT
    assert notification.attempts == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [ticket.citizen.email]
    message = parse(envelope)
    assert message["Subject"].startswith(f"Demande reçue — n° {ticket.reference_display}")
    # The subject starts on its header's line: not an empty "Subject:" folded before it (a blank in some lists).
    [line] = [line for line in envelope.content.split(b"\r\n") if line.startswith(b"Subject:")]
    assert line.startswith(b"Subject: =?utf-8?")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == notification.provider_message_id
    assert f"ticket-{ticket.reference}@" in message["References"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Bonjour Hélène Lefèvre," in text
    assert f"{settings.SITE_URL}/suivi/{ticket.reference}/acces/" in text
    assert ticket.reference_display in html
    assert "&#x27;" not in text  # plain text is not HTML-escaped
    assert Event.objects.filter(ticket=ticket, kind=EventKind.NOTIFICATION_SENT).count() == 1
    # Only the hash of the link's secret is stored, never the secret itself.
    token = text.split("/acces/")[1].split("/")[0]
    assert AccessToken.objects.get(ticket=ticket).token_hash != token
    assert token not in json.dumps(list(Notification.objects.values()), default=str)


@db_with_worker
def test_a_notification_is_delivered_once_even_if_enqueued_twice(ticket, smtp_server, run_worker):
    notification = Notification.objects.get(ticket=ticket)
    from guichet.notifications.tasks import deliver_notification

    deliver_notification.enqueue(notification.pk)
    run_worker()
    assert len(smtp_server.envelopes) == 1


@db_with_worker
def test_smtp_failure_is_recorded_and_retried_later_with_backoff(ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    notification = Notification.objects.get(ticket=ticket)
    before = timezone.now()
    assert deliver(notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.PENDING
    assert notification.attempts == 1
    assert "ConnectionRefusedError" in notification.last_error
    assert notification.next_attempt_at >= before + backoff(1)
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retry.run_after is not None and retry.run_after >= before + backoff(1)
    assert not AccessToken.objects.filter(ticket=ticket).exists()  # the unsent link was withdrawn


@db_with_worker
def test_last_failed_attempt_marks_the_notification_failed_on_the_timeline(ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS = 1
    notification = Notification.objects.get(ticket=ticket)
    assert deliver(notification.pk) == DeliveryStatus.FAILED
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED
    event = Event.objects.get(ticket=ticket, kind=EventKind.NOTIFICATION_FAILED)
    assert event.data["recipient"] == ticket.citizen.email


def test_backoff_grows_exponentially_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30).total_seconds() == 6 * 3600


@db_with_worker
def test_sms_acknowledgement_goes_through_the_configured_sms_backend(request_type, run_worker, settings):
    citizen = factories.CitizenFactory(email="", preferred_channel="sms")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    run_worker()
    notification = Notification.objects.get(ticket=ticket)
    assert (notification.channel, notification.status) == ("sms", DeliveryStatus.SENT)
    [sms_file] = list(settings.SMS_FILE_PATH.glob("*.json"))
    sms = json.loads(sms_file.read_text())
    assert sms["to"] == "+33612345678"
    assert ticket.reference_display in sms["text"]
    length = sms_length(sms["text"])
    assert (length.encoding, length.segments) == ("GSM-7", 1) or length.segments <= 2, length
    link = re.search(r"https?://\S+/s/\S+/", sms["text"]).group(0)
    path = link.split(settings.SITE_URL, 1)[1]
    page = Client().get(path, follow=True)
    assert "Écrire à la mairie" in page.content.decode()


@db_with_worker
def test_emails_come_from_the_commune_by_name(ticket, smtp_server, run_worker, commune):
    run_worker()
    message = parse([e for e in smtp_server.envelopes if e.rcpt_tos == [ticket.citizen.email]][0])
    assert message["From"].startswith("Mairie de Testville <noreply@")
    text = message.get_body(("plain",)).get_content()
    text = text.replace("\r\n", "\n")
    assert "- Description : Trou profond\n" in text and "Trou profond\n\n-" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "template", ["acknowledgement", "agent_reply", "info_requested", "status_changed", "access_code", "reminder"]
)
def test_every_sms_fits_two_gsm7_parts(template, request_type, settings):
    from guichet.notifications.rendering import render_notification
    from guichet.organisation.models import Commune

    settings.SITE_URL = "https://demarches.saint-etienne-les-remiremont.fr"
    Commune.objects.update_or_create(pk=1, defaults={"name": "Mairie de Saint-Étienne-lès-Remiremont"})
    Commune.forget_cached()
    request_type.name = "Demander l'enlèvement d'encombrants ou de déchets volumineux à domicile"
    request_type.save()
    citizen = factories.CitizenFactory(preferred_channel="sms")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    notification = Notification(ticket=ticket, template=template, channel="sms", recipient=citizen.phone)
    rendered = render_notification(notification, access_token="x" * 22, access_code="123456")
    length = sms_length(rendered.text)
    assert length.encoding == "GSM-7", rendered.text
    assert length.segments <= 2, (length, rendered.text)


@db_with_worker
def test_replies_to_citizen_emails_go_to_the_plus_address_of_the_ticket(ticket, smtp_server, run_worker, settings):
    settings.EMAIL_REPLY_TO = "mairie@ma-commune.fr"
    run_worker()
    message = parse([e for e in smtp_server.envelopes if e.rcpt_tos == [ticket.citizen.email]][0])
    assert message["Reply-To"] == f"mairie+{ticket.reference}@ma-commune.fr"


@db_with_worker
def test_no_reply_to_unless_configured(ticket, smtp_server, run_worker, settings):
    settings.EMAIL_REPLY_TO = ""
    run_worker()
    message = parse([e for e in smtp_server.envelopes if e.rcpt_tos == [ticket.citizen.email]][0])
    assert message["Reply-To"] is None


@db_with_worker
def test_every_attempt_is_recorded_with_its_outcome(ticket, smtp_server, settings):
    from guichet.notifications.models import DeliveryAttempt

    working_port = settings.EMAIL_PORT
    notification = Notification.objects.get(ticket=ticket, template="acknowledgement")
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = free_port(), 2
    deliver(notification.pk)
    settings.EMAIL_PORT = working_port
    deliver(notification.pk)
    attempts = list(DeliveryAttempt.objects.filter(notification=notification))
    assert [(a.number, a.succeeded) for a in attempts] == [(1, False), (2, True)]
    assert "ConnectionRefusedError" in attempts[0].error
    assert attempts[1].provider_message_id.endswith("@127.0.0.1>")


@db_with_worker
def test_a_task_queued_under_its_former_path_is_still_run(ticket, smtp_server, run_worker):
    """Rows queued before the tasks moved beside their code name them by guichet.notifications.tasks."""
    DBTaskResult.objects.filter(task_path__endswith=".deliver_notification").update(
        task_path="guichet.notifications.tasks.deliver_notification"
    )
    run_worker()
    assert Notification.objects.get(ticket=ticket).status == DeliveryStatus.SENT
    assert len(smtp_server.envelopes) == 1


# Any subject a template and a request type's name make: "Demande reçue — n° … — " and a name, in letters, marks,
# digits, punctuation, symbols and spaces.
subjects = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=30, max_size=300)


@given(subject=subjects.map(str.strip).filter(bool))
@example(subject="Demande reçue — n° 07A-5RX-QGX — Demander l'effacement d'un graffiti ou d'un tag")
@example(subject="Réponse")
def test_any_subject_starts_on_its_line_and_reads_back_whole(subject):
    raw = Email(subject=subject, body="x", from_email="mairie@example.org", to=["a@example.org"]).message()
    raw = raw.as_bytes(linesep="\r\n")
    head = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    [line] = [line for line in head if line.startswith(b"Subject:")]
    assert line.strip() != b"Subject:"
    assert max(len(line) for line in head) <= 78
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
