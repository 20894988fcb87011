"""Every figure of the statistics, computed in the database from the tickets and their events.

Formulas and their exact definitions: docs/METRICS.md. Entry points: ``ticket_stats`` (one period),
``ticket_stats_compared`` (with the previous period of the same length) and ``ticket_backlog`` (now).
The durations and volumes read the per-ticket facts ``tickets.services`` keeps (``TicketFacts``: moments,
net seconds and working days), so each figure is one aggregate over a range of days of one narrow table;
Python only sees grouped rows, except the hour percentiles on SQLite.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from guichet.accounts.models import User
from guichet.statistics import sql
from guichet.statistics.figures import (
    Distribution,
    Durations,
    Share,
    percentile_disc,
    working_day_distribution,
)
from guichet.statistics.filters import Period, StatsFilter, facts_for_stats, tickets_for_stats
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import TicketFacts

SECONDS_PER_HOUR = 3600
# Age of an open ticket in calendar days, lower bounds included: "lt7" is < 7 days, "gte90" is ≥ 90 days.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("lt7", 0, 7),
    ("7-30", 7, 30),
    ("30-90", 30, 90),
    ("gte90", 90, None),
)


@dataclass(frozen=True)
class Volume:
    total: int
    by_day: list[tuple[datetime.date, int]]
    by_week: list[tuple[datetime.date, int]]  # the week's Monday
    by_month: list[tuple[datetime.date, int]]  # the month's first day
    by_channel: dict[str, int]
    by_status: dict[str, int]  # status today of the tickets received in the period
    by_service: list[tuple[int, str, int]]  # (id, name, count), largest first
    by_request_type: list[tuple[int, str, int]]


@dataclass(frozen=True)
class Report:
    period: Period
    volume: Volume
    first_response: Durations
    resolution: Durations
    within_deadline: Share
    reopened: Share


@dataclass(frozen=True)
class Backlog:
    open: int
    by_age: dict[str, int]
    overdue: int
    awaiting_citizen: Share


@dataclass(frozen=True)
class Comparison:
    current: Report
    previous: Report


def ticket_stats(*, user: User, filters: StatsFilter) -> Report:
    facts = facts_for_stats(user=user, filters=filters)
    period = filters.period
    resolved = RESOLUTION.ended_in(facts, period)
    outcome = _outcomes(resolved)
    return Report(
        period=period,
        volume=ticket_volume(facts, period),
        first_response=_durations(FIRST_RESPONSE, FIRST_RESPONSE.ended_in(facts, period)),
        resolution=_durations(RESOLUTION, resolved),
        within_deadline=Share(count=outcome["on_time"], n=outcome["n"]),
        reopened=Share(count=outcome["reopened"], n=outcome["n"]),
    )


def _outcomes(resolved: QuerySet[TicketFacts]) -> dict[str, int]:
    return resolved.aggregate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_day__lte=F("due_date"))),
        reopened=Count("pk", filter=Q(reopened=True)),
    )


def ticket_stats_compared(*, user: User, filters: StatsFilter) -> Comparison:
    return Comparison(
        current=ticket_stats(user=user, filters=filters),
        previous=ticket_stats(user=user, filters=filters.previous()),
    )


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / previous; None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


def ticket_volume(facts: QuerySet[TicketFacts], period: Period) -> Volume:
    received = facts.filter(received_day__gte=period.start, received_day__lte=period.end)
    by_status = _count_by(received, "status")
    return Volume(
        total=sum(by_status.values()),
        by_day=_series(received, None),
        by_week=_series(received, TruncWeek),
        by_month=_series(received, TruncMonth),
        by_channel=_count_by(received, "channel"),
        by_status=by_status,
        by_service=_count_by_named(received, "service"),
        by_request_type=_count_by_named(received, "request_type"),
    )


def ticket_backlog(*, user: User, filters: StatsFilter, now: datetime.datetime | None = None) -> Backlog:
    """The open tickets now (the period of the filters does not apply: a backlog has no period)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_age = {name: Count("pk", filter=_age_q(now, low, high)) for name, low, high in AGE_BUCKETS}
    row = (
        tickets_for_stats(user=user, filters=filters)
        .filter(sql.OPEN_Q)
        .aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            awaiting=Count("pk", filter=Q(status=Status.AWAITING_CITIZEN)),
            **by_age,
        )
    )
    return Backlog(
        open=row["total"],
        by_age={name: row[name] for name, _, _ in AGE_BUCKETS},
        overdue=row["overdue"],
        awaiting_citizen=Share(count=row["awaiting"], n=row["total"]),
    )


def _age_q(now: datetime.datetime, low_days: int, high_days: int | None) -> Q:
    q = Q(created_at__lte=now - datetime.timedelta(days=low_days))
    if high_days is not None:
        q &= Q(created_at__gt=now - datetime.timedelta(days=high_days))
    return q


# Cohorts: a duration belongs to the period in which it ended. ---------------------------------------


@dataclass(frozen=True)
class Moment:
    """One of the two moments of docs/METRICS.md, as columns of ``TicketFacts``."""

    day: str
    working_days: str
    seconds: str

    def ended_in(self, facts: QuerySet[TicketFacts], period: Period) -> QuerySet[TicketFacts]:
        """Tickets whose moment fell in the period (received before its end)."""
        return facts.filter(
            **{f"{self.day}__gte": period.start, f"{self.day}__lte": period.end}, received_day__lte=period.end
        )


FIRST_RESPONSE = Moment("first_response_day", "first_response_working_days", "first_response_seconds")
RESOLUTION = Moment("resolved_day", "resolution_working_days", "resolution_seconds")


def _durations(moment: Moment, cohort: QuerySet[TicketFacts]) -> Durations:
    return Durations(working_days=_working_days(moment, cohort), hours=_hours(moment, cohort))


def _working_days(moment: Moment, cohort: QuerySet[TicketFacts]) -> Distribution:
    rows = cohort.values(moment.working_days).annotate(n=Count("pk")).order_by()
    counts: Counter[int] = Counter({row[moment.working_days]: row["n"] for row in rows})
    return working_day_distribution(counts)


def working_days_elapsed(moment: Moment, cohort: QuerySet[TicketFacts]) -> Iterator[tuple[datetime.date, int, int]]:
    """(day the duration ended, working days from receipt to it less the pauses, how many tickets)."""
    rows = cohort.values(moment.day, moment.working_days).annotate(n=Count("pk")).order_by()
    for row in rows:
        yield row[moment.day], row[moment.working_days], row["n"]


def _hours(moment: Moment, cohort: QuerySet[TicketFacts]) -> Distribution:
    if connections[cohort.db].vendor == "postgresql":
        row = cohort.aggregate(
            n=Count("pk"),
            median=sql.PercentileDisc(moment.seconds, fraction=0.5),
            p90=sql.PercentileDisc(moment.seconds, fraction=0.9),
        )
        n, median, p90 = row["n"], row["median"], row["p90"]
    else:
        # SQLite has no percentile: the exact fallback reads one integer per ticket of the cohort.
        counts = Counter(cohort.values_list(moment.seconds, flat=True).iterator())
        n, median, p90 = sum(counts.values()), percentile_disc(counts, 0.5), percentile_disc(counts, 0.9)
    return Distribution(n=n, median=_to_hours(median), p90=_to_hours(p90))


def _to_hours(seconds: float | None) -> float | None:
    return None if seconds is None else max(0, seconds) / SECONDS_PER_HOUR


# Volume helpers ------------------------------------------------------------------------------------------


def _series(received: QuerySet[TicketFacts], trunc) -> list[tuple[datetime.date, int]]:
    bucket = F("received_day") if trunc is None else trunc("received_day", output_field=DateField())
    rows = received.annotate(bucket=bucket).values("bucket").annotate(n=Count("pk")).order_by("bucket")
    return [(_as_date(row["bucket"]), row["n"]) for row in rows]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _count_by(received: QuerySet[TicketFacts], field: str) -> dict[str, int]:
    rows = received.values(field).annotate(n=Count("pk")).order_by(field)
    return {row[field]: row["n"] for row in rows}


def _count_by_named(received: QuerySet[TicketFacts], relation: str) -> list[tuple[int, str, int]]:
    rows = (
        received.values(f"{relation}_id", f"{relation}__name")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{relation}__name")
    )
    return [(row[f"{relation}_id"], row[f"{relation}__name"], row["n"]) for row in rows]
