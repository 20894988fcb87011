"""The figures of one ticket, as columns of a list (exports): the same SQL moments as the metrics.

``with_durations`` annotates each ticket with its first response and resolution moments and the working
days paused before the resolution, all computed by the database (``sql.py``); ``ResolutionDays`` turns a
row's dates into working days from one pass over the commune's calendar, by the rule of docs/METRICS.md.
"""

import datetime

from django.db.models import Min, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from guichet.organisation.models import Commune
from guichet.statistics import sql
from guichet.statistics.figures import WorkingDayIndex
from guichet.tickets.models import Ticket


def with_durations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Adds ``first_response_at``, ``resolved_at``, ``received_day``, ``first_response_day``,
    ``resolved_day`` and ``resolution_paused_days`` (working days waiting for the citizen before it)."""
    tz = timezone.get_current_timezone()
    return tickets.annotate(
        first_response_at=sql.first_response(),
        resolved_at=sql.first_status_change_to(sql.RESOLVED_STATUSES),
    ).annotate(
        received_day=TruncDate("created_at", tzinfo=tz),
        first_response_day=TruncDate("first_response_at", tzinfo=tz),
        resolved_day=TruncDate("resolved_at", tzinfo=tz),
        resolution_paused_days=sql.paused_working_days_before("resolved_at"),
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
