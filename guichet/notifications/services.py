"""Queue notifications inside the caller's transaction: they commit, or vanish, with it."""

from typing import Any

from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.notifications.tasks import deliver_notification
from guichet.tickets.models import Ticket


def notification_queue(
    *, ticket: Ticket | None, template: str, channel: str, recipient: str, idempotency_key: str, context: dict[str, Any]
) -> Notification:
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "ticket": ticket,
            "template": template,
            "channel": channel,
            "recipient": recipient,
            "context": context,
        },
    )
    if created:
        # The database task backend writes this row in the same transaction as the notification.
        deliver_notification.enqueue(notification.pk)
    return notification


def notify_citizen(
    *, ticket: Ticket, template: str, key: str, context: dict[str, Any] | None = None
) -> list[Notification]:
    """Tell the ticket's citizen through each channel they chose and gave an address for."""
    citizen = ticket.citizen
    if citizen is None:
        return []
    targets = []
    if citizen.wants_email:
        targets.append((NotificationChannel.EMAIL, citizen.email))
    if citizen.wants_sms:
        targets.append((NotificationChannel.SMS, citizen.phone))
    return [
        notification_queue(
            ticket=ticket,
            template=template,
            channel=channel,
            recipient=recipient,
            idempotency_key=f"{ticket.reference}:{key}:{channel}",
            context=context or {},
        )
        for channel, recipient in targets
    ]


def notify_agents_of_citizen_message(*, ticket: Ticket, message_id: int) -> Notification | None:
    """Alert the agent in charge, or the service's shared address when nobody is assigned yet."""
    recipient = ticket.assignee.email if ticket.assignee and ticket.assignee.email else ticket.service.email
    if not recipient:
        return None
    return notification_queue(
        ticket=ticket,
        template=Template.CITIZEN_REPLIED,
        channel=NotificationChannel.EMAIL,
        recipient=recipient,
        idempotency_key=f"{ticket.reference}:message:{message_id}:agent",
        context={"message_id": message_id},
    )
