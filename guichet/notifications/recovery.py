"""Getting failed notifications delivered after all (what a crash interrupted: notifications.sweep)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.citizens.services import citizen_update
from guichet.lib.phones import parse_phone, to_e164
from guichet.notifications.delivery import notification_event
from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel, Template
from guichet.notifications.tasks import deliver_notification
from guichet.tickets.models import AuthorKind, Event, EventKind
from guichet.tickets.permissions import agent_of, tickets_visible_to


def failed_notifications_for(user: User) -> QuerySet[Notification]:
    """Failed notifications of the tickets this agent may see (supervisors: all, with the ticket-less ones)."""
    failed = Notification.objects.filter(status=DeliveryStatus.FAILED).select_related("ticket", "ticket__citizen")
    agent = agent_of(user)
    if agent is not None and agent.sees_all_services:
        return failed.order_by("-last_attempt_at")
    return failed.filter(ticket__in=tickets_visible_to(user)).order_by("-last_attempt_at")


def _normalised_recipient(channel: str, recipient: str) -> str:
    recipient = recipient.strip()
    if channel == NotificationChannel.SMS:
        number = parse_phone(recipient)
        if number is None:
            raise ValidationError(_("Ce numéro de téléphone n’est pas valide."))
        return to_e164(number)
    from django.core.validators import validate_email

    validate_email(recipient)
    return recipient.lower()


def notification_resend(*, notification: Notification, actor: User, recipient: str = "") -> Notification:
    """Send a failed notification again, to a corrected address if one is given (kept on the citizen too)."""
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
            citizen = notification.ticket.citizen if notification.ticket else None
            if citizen is not None and notification.for_citizen:
                field = "phone" if notification.channel == NotificationChannel.SMS else "email"
                if getattr(citizen, field) == previous:
                    citizen_update(citizen=citizen, **{field: notification.recipient})
        notification.status = DeliveryStatus.PENDING
        notification.attempts = 0
        notification.next_attempt_at = None
        notification.save(update_fields=["recipient", "status", "attempts", "next_attempt_at"])
        if notification.ticket_id:
            Event.objects.create(
                ticket_id=notification.ticket_id,
                kind=EventKind.NOTIFICATION_RESENT,
                actor=actor,
                actor_kind=AuthorKind.AGENT,
                data={
                    "notification": str(notification.uuid),
                    "previous": previous,
                    "recipient": notification.recipient,
                },
            )
        deliver_notification.enqueue(notification.pk)
    return notification


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
