"""Remind citizens who have not answered a request for information."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from guichet.notifications.models import Notification, Template
from guichet.notifications.services import notify_citizen
from guichet.organisation.models import Commune
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """One reminder per waiting period, after the commune's delay; returns how many tickets were reminded."""
    delay = Commune.current().reminder_after_days
    if not delay:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=delay)
    already_reminded = Notification.objects.filter(
        ticket=OuterRef("pk"), template=Template.REMINDER, created_at__gte=OuterRef("status_changed_at")
    )
    waiting = (
        Ticket.objects.filter(status=Status.AWAITING_CITIZEN, status_changed_at__lte=cutoff)
        .exclude(Exists(already_reminded))
        .select_related("citizen", "request_type")
    )
    reminded = 0
    for ticket in waiting.iterator(chunk_size=200):
        with transaction.atomic():
            # Keyed on the start of the wait: running daily sends it once, a new wait gets its own.
            key = f"reminder:{ticket.status_changed_at.isoformat()}"
            if notify_citizen(ticket=ticket, template=Template.REMINDER, key=key):
                reminded += 1
    return reminded
