import hashlib
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from guichet.notifications.delivery import deliver
from guichet.notifications.models import DeliveryStatus, Notification
from guichet.notifications.transports.sms import brevo, ovh
from guichet.tickets.models import Event, EventKind
from tests import factories

db_with_worker = pytest.mark.django_db(transaction=True)


@dataclass
class ProviderServer:
    """A loopback HTTP server that records requests and answers what the test chose."""

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    status: int = 201
    answer: dict = field(default_factory=lambda: {"messageId": 1511882900176220})


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    state = ProviderServer()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.do_POST(method="PUT")

        def do_POST(self, method: str = "POST") -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(
                {
                    "method": method,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "raw": body,
                    "json": json.loads(body),
                }
            )
            encoded = b"" if state.answer is None else json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def brevo_settings(settings, provider):
    settings.SMS_BACKEND = "brevo"
    settings.BREVO_API_URL = provider.url
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.SMS_SENDER = "MairieTest"
    settings.SMS_WEBHOOK_SECRET = "s3cret-webhook"
    return settings


@pytest.fixture
def sms_ticket(request_type):
    citizen = factories.CitizenFactory(email="", preferred_channel="sms")
    return factories.make_ticket(request_type=request_type, citizen=citizen)


def test_brevo_request_is_the_documented_one(brevo_settings, provider):
    text = "Bonjour Hélène, votre demande a été reçue. Fenêtre ouverte, façade à réparer."
    message_id = brevo.send_sms(to="+33612345678", text=text, reference="ref-1")
    assert message_id == "1511882900176220"
    [request] = provider.requests
    assert (request["method"], request["path"]) == ("POST", "/v3/transactionalSMS/send")
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["api-key"] == "xkeysib-test"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert request["json"] == {
        "sender": "MairieTest",
        "recipient": "33612345678",
        "content": text,  # accents arrive intact
        "type": "transactional",
        "unicodeEnabled": True,  # ê and ç are not in GSM 03.38
        "webUrl": "http://127.0.0.1:8000/webhooks/sms/brevo/s3cret-webhook/",
    }


def test_brevo_gsm7_text_is_not_sent_as_unicode_and_no_webhook_without_secret(brevo_settings, provider):
    brevo_settings.SMS_WEBHOOK_SECRET = ""
    brevo.send_sms(to="+33612345678", text="Votre demande a été enregistrée.", reference="ref-2")
    [request] = provider.requests
    assert request["json"]["unicodeEnabled"] is False
    assert "webUrl" not in request["json"]


@db_with_worker
def test_delivery_stores_brevo_message_id(brevo_settings, provider, sms_ticket):
    notification = Notification.objects.get(ticket=sms_ticket)
    assert deliver(notification.pk) == DeliveryStatus.SENT
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.SENT
    assert notification.provider_message_id == "1511882900176220"
    [request] = provider.requests
    assert request["json"]["recipient"] == "33612345678"
    assert sms_ticket.reference_display in request["json"]["content"]


@db_with_worker
def test_brevo_error_answer_makes_delivery_retry_with_the_provider_text(brevo_settings, provider, sms_ticket):
    provider.status = 400
    provider.answer = {"code": "invalid_parameter", "message": "Invalid sender name"}
    notification = Notification.objects.get(ticket=sms_ticket)
    assert deliver(notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.PENDING
    assert notification.provider_message_id == ""
    assert "HTTP 400" in notification.last_error
    assert "Invalid sender name" in notification.last_error
    assert "invalid_parameter" in notification.last_error


def report(message_id: int, status: str) -> dict:
    # Shape documented under "Transactional SMS events" in Brevo's transactional webhooks page.
    return {
        "id": 26570,
        "to": "33612345678",
        "sms_count": 1,
        "credits_used": 1.5,
        "messageId": message_id,
        "remaining_credit": 11488.845,
        "msg_status": status,
        "date": "2026-11-28 14:00:00",
        "type": "transactional",
        "reference": "ab1cde2fgh3i4jklmno",
    }


def post_report(secret: str, payload: dict):
    return Client().post(f"/webhooks/sms/brevo/{secret}/", data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def sent_sms(brevo_settings, sms_ticket) -> Notification:
    notification = Notification.objects.get(ticket=sms_ticket)
    Notification.objects.filter(pk=notification.pk).update(
        status=DeliveryStatus.SENT, provider_message_id="1511882900176220"
    )
    notification.refresh_from_db()
    return notification


def failures(notification: Notification) -> list[Event]:
    return list(Event.objects.filter(ticket_id=notification.ticket_id, kind=EventKind.NOTIFICATION_FAILED))


@pytest.mark.django_db
def test_webhook_with_wrong_secret_is_not_found(sent_sms):
    assert post_report("wrong", report(1511882900176220, "hard_bounce")).status_code == 404
    assert failures(sent_sms) == []


@pytest.mark.django_db
def test_webhook_is_not_found_when_no_secret_is_configured(sent_sms, settings):
    settings.SMS_WEBHOOK_SECRET = ""
    assert post_report("", report(1511882900176220, "hard_bounce")).status_code == 404
    assert post_report("anything", report(1511882900176220, "hard_bounce")).status_code == 404


@pytest.mark.django_db
def test_webhook_acknowledges_an_unknown_message_and_changes_nothing(sent_sms):
    events_before = Event.objects.count()
    assert post_report("s3cret-webhook", report(42, "hard_bounce")).status_code == 200
    assert Event.objects.count() == events_before
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_webhook_delivered_report_records_the_delivery_and_nothing_else(sent_sms):
    events_before = Event.objects.count()
    assert post_report("s3cret-webhook", report(1511882900176220, "delivered")).status_code == 200
    assert Event.objects.count() == events_before
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.SENT and sent_sms.delivered_at is not None


@pytest.mark.django_db
def test_webhook_hard_bounce_marks_the_sms_failed_once(sent_sms):
    from guichet.notifications.models import DeliveryStatus

    for _ in range(2):
        assert post_report("s3cret-webhook", report(1511882900176220, "hard_bounce")).status_code == 200
    [event] = failures(sent_sms)
    assert "hard_bounce" in event.data["error"]
    assert event.data["notification"] == str(sent_sms.uuid)
    assert event.data["channel"] == "sms"
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.FAILED  # listed in « Envois en échec » for an agent


@pytest.mark.django_db
def test_webhook_refuses_a_malformed_report(sent_sms):
    assert post_report("s3cret-webhook", {"msg_status": "hard_bounce"}).status_code == 400
    response = Client().get("/webhooks/sms/brevo/s3cret-webhook/")
    assert response.status_code == 405


# OVHcloud ---------------------------------------------------------------------------------------


@pytest.fixture
def ovh_settings(settings, provider):
    provider.status = 200
    provider.answer = {"totalCreditsRemoved": 1, "invalidReceivers": [], "ids": [26929925], "validReceivers": []}
    settings.SMS_BACKEND = "ovh"
    settings.SMS_SENDER = "MairieTest"
    settings.OVH_ENDPOINT = provider.url.removesuffix("/v3") + "/1.0"
    settings.OVH_APPLICATION_KEY = "7kbG7Bk7S9Nt7ZSV"
    settings.OVH_APPLICATION_SECRET = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF"
    settings.OVH_CONSUMER_KEY = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"
    settings.OVH_SMS_SERVICE = "sms-ab12345-1"
    return settings


def test_ovh_request_is_signed_as_documented(ovh_settings, provider):
    text = "Bonjour Hélène, la mairie a répondu à votre demande (fenêtre, façade)."
    assert ovh.send_sms(to="+33612345678", text=text, reference="ref-1") == "26929925"
    [request] = provider.requests
    assert (request["method"], request["path"]) == ("POST", "/1.0/sms/sms-ab12345-1/jobs")
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["x-ovh-application"] == "7kbG7Bk7S9Nt7ZSV"
    assert headers["x-ovh-consumer"] == "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"
    assert request["json"] == {
        "charset": "UTF-8",
        "message": text,
        "receivers": ["+33612345678"],
        "sender": "MairieTest",
        "noStopClause": True,
        "priority": "high",
    }
    # Recompute "$1$" + SHA1_HEX(AS+CK+METHOD+URL+BODY+TIMESTAMP) from what the server received.
    url = f"{ovh_settings.OVH_ENDPOINT}/sms/sms-ab12345-1/jobs"
    body = request["raw"].decode()
    clear = "+".join(
        [
            "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF",
            "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1",
            "POST",
            url,
            body,
            headers["x-ovh-timestamp"],
        ]
    )
    assert headers["x-ovh-signature"] == "$1$" + hashlib.sha1(clear.encode()).hexdigest()


def test_ovh_signature_matches_the_documented_recipe():
    expected = "$1$" + hashlib.sha1(b"AS+CK+GET+https://eu.api.ovh.com/1.0/auth/time++1366560945").hexdigest()
    assert (
        ovh.signature(
            secret="AS",
            consumer_key="CK",
            method="GET",
            url="https://eu.api.ovh.com/1.0/auth/time",
            body="",
            timestamp="1366560945",
        )
        == expected
    )


@db_with_worker
def test_delivery_stores_the_ovh_job_id(ovh_settings, provider, sms_ticket):
    notification = Notification.objects.get(ticket=sms_ticket)
    assert deliver(notification.pk) == DeliveryStatus.SENT
    notification.refresh_from_db()
    assert notification.provider_message_id == "26929925"


@db_with_worker
def test_ovh_error_or_refused_receiver_makes_delivery_retry(ovh_settings, provider, sms_ticket):
    provider.status = 403
    provider.answer = {"message": "This call has not been granted"}
    notification = Notification.objects.get(ticket=sms_ticket)
    assert deliver(notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.PENDING
    assert "HTTP 403" in notification.last_error and "This call has not been granted" in notification.last_error
    provider.status = 200
    provider.answer = {"totalCreditsRemoved": 0, "invalidReceivers": ["+33612345678"], "ids": [], "validReceivers": []}
    with pytest.raises(ovh.OvhError, match="invalidReceivers"):
        ovh.send_sms(to="+33612345678", text="Bonjour", reference="ref-3")


def test_ovh_callback_is_declared_on_the_sms_account(ovh_settings, provider):
    ovh_settings.SITE_URL = "https://grc.mairie.example"
    ovh_settings.SMS_WEBHOOK_SECRET = "s3cret-webhook"
    provider.answer = None  # OVH answers an empty body to this PUT
    out = io.StringIO()
    call_command("ovh_sms_callback", stdout=out)
    [request] = provider.requests
    assert (request["method"], request["path"]) == ("PUT", "/1.0/sms/sms-ab12345-1")
    assert request["json"] == {"callBack": "https://grc.mairie.example/webhooks/sms/ovh/s3cret-webhook/"}
    headers = {name.lower(): value for name, value in request["headers"].items()}
    clear = "+".join(
        [
            "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF",
            "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1",
            "PUT",
            f"{ovh_settings.OVH_ENDPOINT}/sms/sms-ab12345-1",
            request["raw"].decode(),
            headers["x-ovh-timestamp"],
        ]
    )
    assert headers["x-ovh-signature"] == "$1$" + hashlib.sha1(clear.encode()).hexdigest()
    assert "s3cret" not in out.getvalue()  # the secret stays out of terminal logs


def test_ovh_callback_command_says_what_is_missing(ovh_settings, provider):
    ovh_settings.SMS_WEBHOOK_SECRET = ""
    with pytest.raises(CommandError, match="SMS_WEBHOOK_SECRET"):
        call_command("ovh_sms_callback")
    ovh_settings.SMS_WEBHOOK_SECRET = "s3cret-webhook"
    provider.status = 403
    provider.answer = {"message": "This call has not been granted"}
    with pytest.raises(CommandError, match="not been granted"):
        call_command("ovh_sms_callback")


@pytest.fixture
def sent_ovh_sms(ovh_settings, sms_ticket) -> Notification:
    ovh_settings.SMS_WEBHOOK_SECRET = "s3cret-webhook"
    notification = Notification.objects.get(ticket=sms_ticket)
    Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.SENT, provider_message_id="26929925")
    notification.refresh_from_db()
    return notification


def ovh_report(secret: str = "s3cret-webhook", **params):
    return Client().get(f"/webhooks/sms/ovh/{secret}/", params)


@pytest.mark.django_db
@pytest.mark.parametrize(("dlr", "ptt", "delivered"), [("1", "4", True), ("4", "1", False), ("8", "3", False)])
def test_ovh_report_of_a_delivered_or_pending_sms(sent_ovh_sms, dlr, ptt, delivered):
    events_before = Event.objects.count()
    response = ovh_report(id="26929925", dlr=dlr, ptt=ptt)
    assert response.status_code == 200
    assert Event.objects.count() == events_before
    sent_ovh_sms.refresh_from_db()
    assert sent_ovh_sms.status == DeliveryStatus.SENT
    assert (sent_ovh_sms.delivered_at is not None) is delivered


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dlr", "ptt", "reason"), [("2", "5", "non délivré"), ("16", "", "refusé"), ("", "8", "expiré")]
)
def test_ovh_report_of_a_failure_marks_the_sms_failed_once(sent_ovh_sms, dlr, ptt, reason):
    for _ in range(2):
        assert ovh_report(id="26929925", dlr=dlr, ptt=ptt).status_code == 200
    [event] = failures(sent_ovh_sms)
    assert "OVHcloud" in event.data["error"] and reason in event.data["error"]
    sent_ovh_sms.refresh_from_db()
    assert sent_ovh_sms.status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_ovh_report_checks_its_secret_and_its_parameters(sent_ovh_sms):
    assert ovh_report("wrong", id="26929925", dlr="2").status_code == 404
    assert ovh_report(id="26929925").status_code == 400
    assert ovh_report(id="abc", dlr="2").status_code == 400
    assert ovh_report(id="999", dlr="2").status_code == 200  # unknown ids are acknowledged, nothing changes
    assert failures(sent_ovh_sms) == []
