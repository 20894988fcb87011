"""Deliver one notification: claim it, send it outside any transaction, record the outcome.

A notification found in ``sending`` was interrupted mid-send (crash of the worker): it is
never silently dropped; it stays visible and is retried by the next delivery sweep.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from guichet.notifications import registry
from guichet.notifications.models import DeliveryAttempt, DeliveryStatus, Notification, NotificationChannel
from guichet.notifications.rendering import Rendered, render_notification
from guichet.notifications.transports import email as email_transport
from guichet.notifications.transports import sms as sms_transport
from guichet.tickets.models import EventKind

logger = logging.getLogger(__name__)

TRANSPORTS: dict[str, Callable[[Notification, Rendered], str]] = {
    NotificationChannel.EMAIL: email_transport.send,
    NotificationChannel.SMS: sms_transport.send,
}
MAX_BACKOFF = datetime.timedelta(hours=6)


def backoff(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@task()
def deliver_notification(notification_id: int) -> str:
    return deliver(notification_id)


def deliver(notification_id: int) -> str:
    claimed = _claim(notification_id)
    if claimed is None:
        return "skipped"
    notification, minted = claimed
    try:
        if minted.withdrawn:
            raise Undeliverable(f"the {notification.template} was withdrawn (account deleted, or already done)")
        rendered = render_notification(
            notification,
            access_token=minted.token,
            access_code=minted.code,
            survey_token=minted.survey,
            secret_url=minted.url,
        )
        provider_id = TRANSPORTS[notification.channel](notification, rendered)
    except Exception as error:  # any transport failure is recorded and retried, never lost
        logger.warning("Notification %s failed (attempt %s): %s", notification.pk, notification.attempts, error)
        _record_failure(notification, minted, error)
        return DeliveryStatus.FAILED if notification.status == DeliveryStatus.FAILED else "retry"
    _record_success(notification, rendered.subject, provider_id)
    return DeliveryStatus.SENT


class Undeliverable(Exception):
    """Nothing left to send: the notification fails at once, without retries."""


@dataclass(frozen=True)
class Minted:
    """The secret created for one sending attempt (by the app that owns it); withdrawn if the attempt fails."""

    secret: registry.Secret | None = None
    value: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.secret is not None and self.value is None

    @property
    def token(self) -> str | None:
        return self.value if self.secret and self.secret.kind == "token" else None

    @property
    def url(self) -> str | None:
        return self.value if self.secret and self.secret.kind == "url" else None

    @property
    def code(self) -> str | None:
        return self.value if self.secret and self.secret.kind == "code" else None

    @property
    def survey(self) -> str | None:
        return self.value if self.secret and self.secret.kind == "survey" else None

    def withdraw(self, notification: Notification) -> None:
        if self.secret is not None and self.value is not None:
            self.secret.withdraw(notification, self.value)


def _mint(notification: Notification) -> Minted:
    # Secrets are minted per message at send time, so no raw secret is ever stored.
    secret = registry.secret_for(notification.template)
    return Minted(secret, secret.issue(notification)) if secret else Minted()


def _claim(notification_id: int) -> tuple[Notification, Minted] | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__citizen", "ticket__request_type")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != DeliveryStatus.PENDING:
            return None
        notification.status = DeliveryStatus.SENDING
        notification.attempts += 1
        notification.last_attempt_at = timezone.now()
        notification.save(update_fields=["status", "attempts", "last_attempt_at"])
        minted = _mint(notification)
    return notification, minted


def _record_failure(notification: Notification, minted: Minted, error: Exception) -> None:
    with transaction.atomic():
        _log_attempt(notification, error=f"{type(error).__name__}: {error}")
        minted.withdraw(notification)
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if isinstance(error, Undeliverable) or notification.attempts >= settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS:
            notification.status = DeliveryStatus.FAILED
            notification.next_attempt_at = None
            notification_event(notification, EventKind.NOTIFICATION_FAILED, error=notification.last_error)
        else:
            notification.status = DeliveryStatus.PENDING
            notification.next_attempt_at = timezone.now() + backoff(notification.attempts)
            deliver_notification.using(run_after=notification.next_attempt_at).enqueue(notification.pk)
        notification.save(update_fields=["status", "last_error", "next_attempt_at"])


def _record_success(notification: Notification, subject: str, provider_id: str) -> None:
    with transaction.atomic():
        _log_attempt(notification, provider_message_id=provider_id)
        notification.status = DeliveryStatus.SENT
        notification.sent_at = timezone.now()
        notification.subject = subject[:250]
        notification.provider_message_id = provider_id[:250]
        notification.next_attempt_at = None
        notification.last_error = ""
        notification.save(
            update_fields=["status", "sent_at", "subject", "provider_message_id", "next_attempt_at", "last_error"]
        )
        notification_event(notification, EventKind.NOTIFICATION_SENT)


def _log_attempt(notification: Notification, *, error: str = "", provider_message_id: str = "") -> None:
    DeliveryAttempt.objects.create(
        notification=notification,
        number=notification.attempts,
        started_at=notification.last_attempt_at or timezone.now(),
        succeeded=not error,
        error=error[:2000],
        provider_message_id=provider_message_id[:250],
    )


def notification_event(notification: Notification, kind: str, **data: str) -> None:
    """The ticket's timeline records what became of its notification (tickets writes it: see the registry)."""
    if notification.ticket is None:
        return
    registry.event_recorder()(
        ticket=notification.ticket,
        kind=kind,
        data={
            "notification": str(notification.uuid),
            "template": notification.template,
            "channel": notification.channel,
            "recipient": notification.recipient,
            **data,
        },
    )
