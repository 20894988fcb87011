"""« Envois en échec »: the failed notifications an agent may see, and sending one again.

Resending writes to three apps: the notification (notifications), the citizen's corrected address
(citizens) and the ticket's timeline (tickets); it lives here, above all three.
"""

from django.db import transaction
from django.db.models import QuerySet

from guichet.accounts.models import User
from guichet.citizens.services import citizen_update
from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel
from guichet.notifications.recovery import notification_retry
from guichet.organisation.roles import sees_all_services
from guichet.tickets.models import EventKind, Ticket
from guichet.tickets.services import ticket_notification_event


def failed_notifications_for(user: User) -> QuerySet[Notification]:
    """Failed notifications of the tickets this agent may see (supervisors: all, with the ticket-less ones)."""
    failed = Notification.objects.filter(status=DeliveryStatus.FAILED).select_related("ticket", "ticket__citizen")
    if sees_all_services(user):
        return failed.order_by("-last_attempt_at")
    return failed.filter(ticket__in=Ticket.objects.visible_to(user)).order_by("-last_attempt_at")


def notification_resend(*, notification: Notification, actor: User, recipient: str = "") -> Notification:
    """Send a failed notification again, to a corrected address if one is given (kept on the citizen too)."""
    with transaction.atomic():
        notification, previous = notification_retry(notification=notification, recipient=recipient)
        citizen = notification.ticket.citizen if notification.ticket else None
        if recipient and citizen is not None and notification.for_citizen:
            field = "phone" if notification.channel == NotificationChannel.SMS else "email"
            if getattr(citizen, field) == previous:
                citizen_update(citizen=citizen, **{field: notification.recipient})
        if notification.ticket is not None:
            ticket_notification_event(
                ticket=notification.ticket,
                kind=EventKind.NOTIFICATION_RESENT,
                actor=actor,
                data={
                    "notification": str(notification.uuid),
                    "previous": previous,
                    "recipient": notification.recipient,
                },
            )
    return notification
