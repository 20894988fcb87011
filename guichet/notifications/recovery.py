"""Getting failed notifications delivered after all (what a crash interrupted: notifications.sweep).

The back office's list of failures and its "resend" action, which also correct the citizen's record and the
ticket's timeline, are in ``backoffice.resend`` (above the apps they write to).
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.lib.phones import parse_phone, to_e164
from guichet.notifications.delivery import deliver_notification, notification_event
from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel, Template
from guichet.tickets.models import EventKind


def _normalised_recipient(channel: str, recipient: str) -> str:
    recipient = recipient.strip()
    if channel == NotificationChannel.SMS:
        number = parse_phone(recipient)
        if number is None:
            raise ValidationError(_("Ce numéro de téléphone n’est pas valide."))
        return to_e164(number)
    validate_email(recipient)
    return recipient.lower()


def notification_retry(*, notification: Notification, recipient: str = "") -> tuple[Notification, str]:
    """Queue a failed notification again, to a corrected address if one is given; returns it and its former address."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__citizen")
            .get(pk=notification.pk)
        )
        if notification.status != DeliveryStatus.FAILED:
            raise ValidationError(_("Cette notification n’est pas en échec : elle a déjà été renvoyée."))
        previous = notification.recipient
        if recipient and notification.template == Template.PHONE_VERIFICATION:
            # The code proves this number: it goes to no other.
            if _normalised_recipient(notification.channel, recipient) != previous:
                raise ValidationError(_("Un code de vérification ne peut partir qu’au numéro à vérifier."))
        if recipient:
            notification.recipient = _normalised_recipient(notification.channel, recipient)
        notification.status = DeliveryStatus.PENDING
        notification.attempts = 0
        notification.next_attempt_at = None
        notification.save(update_fields=["recipient", "status", "attempts", "next_attempt_at"])
        deliver_notification.enqueue(notification.pk)
    return notification, previous


def notification_bounced(*, notification: Notification, diagnostic: str) -> Notification:
    """The recipient's server refused a notification it had accepted: failed, listed for an agent to fix."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
        if notification.status == DeliveryStatus.FAILED:
            return notification
        notification.status = DeliveryStatus.FAILED
        notification.last_error = f"Non remis : {diagnostic}"[:2000]
        notification.save(update_fields=["status", "last_error"])
        notification_event(notification, EventKind.NOTIFICATION_FAILED, error=notification.last_error)
    return notification


def notification_delivered(*, notification: Notification) -> None:
    """The provider confirmed the recipient received it (SMS delivery report); the first report counts."""
    Notification.objects.filter(pk=notification.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
