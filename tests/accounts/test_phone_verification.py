"""The phone-verification SMS goes through the notification queue: recorded, retried, no code kept in clear."""

import json
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.accounts.models import PhoneVerification
from guichet.accounts.phones import phone_verification_check
from guichet.accounts.services import account_citizen, account_delete
from guichet.backoffice.resend import failed_notifications_for, notification_resend
from guichet.citizens.services import citizen_update
from guichet.notifications.delivery import deliver
from guichet.notifications.models import DeliveryAttempt, DeliveryStatus, Notification, Template

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "+33699887766"


@pytest.fixture
def with_mobile(signed_in, account, settings):
    settings.SMS_BACKEND = "file"
    citizen_update(citizen=account_citizen(account), phone=NUMBER)
    return signed_in


def sent_texts(settings) -> list[str]:
    return [
        message["text"]
        for path in sorted(settings.SMS_FILE_PATH.glob("*.json"))
        if (message := json.loads(path.read_text()))["to"] == NUMBER
    ]


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_the_code_reaches_the_phone_through_the_worker(with_mobile, account, settings, run_worker):
    response = with_mobile.post(reverse("accounts:phone_send"))
    assert response["Location"] == reverse("accounts:phone_verify")
    notification = Notification.objects.get(template=Template.PHONE_VERIFICATION)
    assert (notification.status, notification.channel, notification.recipient) == ("pending", "sms", NUMBER)
    assert notification.ticket is None
    assert sent_texts(settings) == []  # nothing leaves before the worker runs
    assert PhoneVerification.objects.get(user=account).code_hash == ""  # no code drawn yet

    run_worker()

    [text] = sent_texts(settings)
    assert re.fullmatch(
        r"Mairie de Testville : votre code de vérification est \d{6}\. Il est valable 15 minutes\. .*", text
    )
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.SENT
    assert DeliveryAttempt.objects.get(notification=notification).succeeded
    assert with_mobile.post(reverse("accounts:phone_verify"), {"code": code_in(text)}).status_code == 302


def test_a_transport_failure_is_recorded_and_retried_with_a_new_code(with_mobile, account, settings, tmp_path):
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("")
    settings.SMS_FILE_PATH = blocker / "sms"  # the file backend cannot create its folder: a real failure
    with_mobile.post(reverse("accounts:phone_send"))
    notification = Notification.objects.get(template=Template.PHONE_VERIFICATION)

    before = timezone.now()
    assert deliver(notification.pk) == "retry"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.PENDING, 1)
    assert "Error" in notification.last_error
    assert notification.next_attempt_at > before
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retry.run_after is not None and retry.run_after > before
    assert PhoneVerification.objects.get(user=account).code_hash == ""  # the unsent code was withdrawn

    settings.SMS_FILE_PATH = tmp_path / "sms"
    assert deliver(notification.pk) == DeliveryStatus.SENT  # what the retry task runs
    [text] = sent_texts(settings)
    assert phone_verification_check(user=account, code=code_in(text))
    assert DeliveryAttempt.objects.filter(notification=notification).count() == 2


def text_columns_mentioning(code: str) -> list[str]:
    """Every text or JSON value in the database that contains the code as a word."""
    pattern = re.compile(rf"\b{code}\b")
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        names += [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for row in model.objects.values(*names) if names else []:
            for name, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value)
                if pattern.search(text or ""):
                    found.append(f"{model._meta.label}.{name}")
    return found


def test_no_clear_code_remains_in_the_database_after_delivery(with_mobile, account, settings, run_worker):
    with_mobile.post(reverse("accounts:phone_send"))
    run_worker()
    [text] = sent_texts(settings)
    code = code_in(text)
    assert text_columns_mentioning(code) == []
    # The check itself can find one: the text sent, had it been stored, would be found.
    Notification.objects.update(last_error=text)
    assert text_columns_mentioning(code) == ["notifications.Notification.last_error"]


def test_deleting_the_account_stops_a_queued_code_and_forgets_the_number(with_mobile, account, run_worker, settings):
    with_mobile.post(reverse("accounts:phone_send"))
    account_delete(user=account)
    notification = Notification.objects.get(template=Template.PHONE_VERIFICATION)
    assert (notification.status, notification.recipient, notification.context) == ("failed", "", {})
    run_worker()
    assert sent_texts(settings) == []


def test_a_failed_code_is_listed_and_resent_only_to_the_number_it_verifies(
    with_mobile, account, supervisor, settings, tmp_path
):
    settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS = 1
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("")
    settings.SMS_FILE_PATH = blocker / "sms"
    with_mobile.post(reverse("accounts:phone_send"))
    notification = Notification.objects.get(template=Template.PHONE_VERIFICATION)
    assert deliver(notification.pk) == DeliveryStatus.FAILED
    assert notification in failed_notifications_for(supervisor)

    with pytest.raises(ValidationError):
        notification_resend(notification=notification, actor=supervisor, recipient="06 11 22 33 44")
    settings.SMS_FILE_PATH = tmp_path / "sms"
    notification_resend(notification=notification, actor=supervisor, recipient="06 99 88 77 66")
    assert deliver(notification.pk) == DeliveryStatus.SENT
    [text] = sent_texts(settings)
    assert phone_verification_check(user=account, code=code_in(text))
