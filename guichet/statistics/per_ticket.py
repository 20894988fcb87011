"""The figures of one ticket, as columns of a list (exports): the same SQL moments as the metrics.

``with_durations`` annotates each ticket with its first response and resolution moments and the working
days paused before the resolution, from its facts (``TicketFacts``); ``ResolutionDays`` turns a
row's dates into working days from one pass over the commune's calendar, by the rule of docs/METRICS.md.
"""

import datetime

from django.db.models import F, Min, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from guichet.organisation.models import Commune
from guichet.statistics.figures import WorkingDayIndex
from guichet.tickets.models import Ticket


def with_durations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Adds ``first_response_at``, ``resolved_at``, ``received_day``, ``first_response_day``,
    ``resolved_day`` and ``resolution_paused_days`` (working days waiting for the citizen before it), read
    from the ticket's statistics facts (``TicketFacts``, one join)."""
    tz = timezone.get_current_timezone()
    return tickets.annotate(
        first_response_at=F("facts__first_response_at"),
        resolved_at=F("facts__resolved_at"),
        received_day=TruncDate("created_at", tzinfo=tz),
        first_response_day=F("facts__first_response_day"),
        resolved_day=F("facts__resolved_day"),
        resolution_paused_days=Coalesce("facts__resolution_paused_days", 0),
    )


class ResolutionDays:
    """Working days from receipt to resolution minus the paused working days (never below 0)."""

    def __init__(self, tickets: QuerySet[Ticket], *, today: datetime.date | None = None) -> None:
        today = today or timezone.localdate()
        first = tickets.order_by().aggregate(first=Min("created_at"))["first"]
        start = min(timezone.localdate(first), today) if first else today
        # Resolutions happen after receipt and before now; one day of margin either side of the time zones.
        self._index = WorkingDayIndex(
            Commune.current().calendar, [start - datetime.timedelta(days=1), today + datetime.timedelta(days=1)]
        )

    def __call__(self, received: datetime.date, resolved: datetime.date | None, paused: int) -> int | None:
        if resolved is None:
            return None
        return max(0, self._index.between(received, resolved) - paused)
