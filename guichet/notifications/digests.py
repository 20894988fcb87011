"""Daily digests: alerts held for agents who chose one email a day are sent together."""

from django.db import transaction

from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel, Template
from guichet.notifications.services import notification_queue


def agent_digests_send() -> int:
    """Queue one digest per recipient with held alerts; returns how many digests were queued."""
    recipients = list(
        Notification.objects.filter(status=DeliveryStatus.HELD).values_list("recipient", flat=True).distinct()
    )
    sent = 0
    for recipient in recipients:
        with transaction.atomic():
            held = list(
                Notification.objects.select_for_update()
                .filter(status=DeliveryStatus.HELD, recipient=recipient)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not held:
                continue
            notification_queue(
                ticket=None,
                template=Template.AGENT_DIGEST,
                channel=NotificationChannel.EMAIL,
                recipient=recipient,
                idempotency_key=f"digest:{recipient}:{held[-1]}",
                context={"digest_of": held},
            )
            Notification.objects.filter(pk__in=held).update(status=DeliveryStatus.DIGESTED)
            sent += 1
    return sent
