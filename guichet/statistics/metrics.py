"""Every figure of the statistics, computed in the database from the tickets and their events.

Formulas and their exact definitions: docs/METRICS.md. Entry points: ``ticket_stats`` (one period),
``ticket_stats_compared`` (with the previous period of the same length) and ``ticket_backlog`` (now).
The volumes, working-day distributions and deadline/reopen counts sum the per-day counts ``tickets.facts``
keeps (``TicketDayCount``: one row per day and dimensions, not per ticket); the hour percentiles read the
per-ticket facts (``TicketFacts``: net seconds) of their cohort. Python only sees grouped rows, except the
hour percentiles on SQLite.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
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
from guichet.statistics.filters import (
    Counts,
    Period,
    StatsFilter,
    counts_for_stats,
    facts_for_stats,
    histogram_for_stats,
    tickets_for_stats,
)
from guichet.tickets.facts import DURATION_BOUNDS, MONTH
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import TicketDayCount, TicketFacts

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


def ticket_stats(*, user: User, filters: StatsFilter, full: bool = True) -> Report:
    """Every figure of the period; ``full=False``: the key figures only (total volume, working-day
    distributions, deadline and reopen shares; the volume's breakdowns empty and the hour percentiles None),
    what the statistics page compares with the previous period, in 4 queries instead of 12."""
    counts = counts_for_stats(user=user, filters=filters)
    period = filters.period
    outcome = _outcomes(RESOLUTION.counts_in(counts, period))
    if full:
        facts = facts_for_stats(user=user, filters=filters)
        histogram = histogram_for_stats(user=user, filters=filters)
        volume = ticket_volume(user=user, filters=filters)
        first_response = _durations(FIRST_RESPONSE, counts, (facts, histogram), period)
        resolution = _durations(RESOLUTION, counts, (facts, histogram), period)
    else:
        volume = Volume(_sum(RECEIVED.counts_in(counts, period)), [], [], [], {}, {}, [], [])
        first_response = _durations(FIRST_RESPONSE, counts, None, period)
        resolution = _durations(RESOLUTION, counts, None, period)
    return Report(
        period=period,
        volume=volume,
        first_response=first_response,
        resolution=resolution,
        within_deadline=Share(count=outcome["on_time"], n=outcome["n"]),
        reopened=Share(count=outcome["reopened"], n=outcome["n"]),
    )


def _outcomes(resolved: QuerySet[TicketDayCount]) -> dict[str, int]:
    row = resolved.aggregate(
        total=Sum("n"),
        total_on_time=Sum("n", filter=Q(on_time=True)),
        total_reopened=Sum("n", filter=Q(reopened=True)),
    )
    return {"n": row["total"] or 0, "on_time": row["total_on_time"] or 0, "reopened": row["total_reopened"] or 0}


def _sum(counts: QuerySet[TicketDayCount]) -> int:
    return counts.aggregate(total=Sum("n"))["total"] or 0


def ticket_stats_compared(*, user: User, filters: StatsFilter, previous_in_full: bool = True) -> Comparison:
    """The period and the previous one; ``previous_in_full=False``: the previous one's key figures only
    (``ticket_stats(full=False)``), all the statistics page shows of it."""
    return Comparison(
        current=ticket_stats(user=user, filters=filters),
        previous=ticket_stats(user=user, filters=filters.previous(), full=previous_in_full),
    )


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / previous; None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


def ticket_volume(*, user: User, filters: StatsFilter) -> Volume:
    """Each breakdown reads the narrowest grain of counts that keeps its dimension."""
    period = filters.period
    counts = counts_for_stats(user=user, filters=filters)
    received = RECEIVED.counts_in(counts, period)
    by_channel = RECEIVED.counts_in(counts_for_stats(user=user, filters=filters, keep={"channel"}), period)
    by_type = RECEIVED.counts_in(counts_for_stats(user=user, filters=filters, keep={"request_type"}), period)
    by_status = _count_by(received, "status")
    return Volume(
        total=sum(by_status.values()),
        by_day=_series(RECEIVED.counts_in(counts, period, by_day=True), None),
        by_week=_series(RECEIVED.counts_in(counts, period, by_day=True), TruncWeek),
        by_month=_series(received, TruncMonth),
        by_channel=_count_by(by_channel, "channel"),
        by_status=by_status,
        by_service=_count_by_named(received, "service"),
        by_request_type=_count_by_named(by_type, "request_type"),
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
    """One of the two moments of docs/METRICS.md, as columns of ``TicketFacts`` and a kind of
    ``TicketDayCount`` (the receipt too, for the volumes: its cohort is the same rule)."""

    day: str
    working_days: str
    seconds: str
    kind: int

    def ended_in(self, facts: QuerySet[TicketFacts], period: Period) -> QuerySet[TicketFacts]:
        """Tickets whose moment fell in the period (received before its end)."""
        return facts.filter(
            **{f"{self.day}__gte": period.start, f"{self.day}__lte": period.end}, received_day__lte=period.end
        )

    def counts_in(self, counts: Counts, period: Period, *, by_day: bool = False) -> QuerySet[TicketDayCount]:
        """``ended_in`` on the per-day counts (``latest_day`` is the later of the receipt day and the moment's:
        received before the period ends). The whole months of the period are read from the monthly counts and
        only the days before and after them from the daily ones, unless ``by_day`` (a figure grouped by day or
        week needs the days). Counts fallen to 0 are left out, so empty groups do not show."""
        kind = self.kind + counts.grain.offset
        rows = counts.rows.filter(latest_day__lte=period.end, n__gt=0)
        days = Q(kind=kind, day__gte=period.start, day__lte=period.end)
        first_month = period.start if period.start.day == 1 else _next_month(period.start)
        after_last_month = (period.end + datetime.timedelta(days=1)).replace(day=1)  # the first day not in them
        if by_day or first_month >= after_last_month:
            return rows.filter(days)
        return rows.filter(
            Q(kind=kind + MONTH, day__gte=first_month, day__lt=after_last_month)
            | Q(kind=kind, day__gte=period.start, day__lt=first_month)
            | Q(kind=kind, day__gte=after_last_month, day__lte=period.end)
        )


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


RECEIVED = Moment("received_day", "", "", TicketDayCount.RECEIVED)
FIRST_RESPONSE = Moment(
    "first_response_day", "first_response_working_days", "first_response_seconds", TicketDayCount.FIRST_RESPONSE
)
RESOLUTION = Moment("resolved_day", "resolution_working_days", "resolution_seconds", TicketDayCount.RESOLUTION)


def _durations(
    moment: Moment,
    counts: Counts,
    sources: tuple[QuerySet[TicketFacts], Counts | None] | None,
    period: Period,
) -> Durations:
    """``sources``: the facts and the duration histogram the hour percentiles read (None: the key figures only)."""
    working_days = _working_days(moment.counts_in(counts, period))
    if sources is None:  # the key figures only
        return Durations(working_days=working_days, hours=Distribution(n=working_days.n, median=None, p90=None))
    facts, histogram = sources
    cohort = moment.ended_in(facts, period)
    if connections[cohort.db].vendor != "postgresql":
        hours = _hours_in_python(moment, cohort)
    elif histogram is None:
        hours = _hours_sorted(moment, cohort)
    else:
        hours = _hours_by_histogram(moment, cohort, moment.counts_in(histogram, period))
    return Durations(working_days=working_days, hours=hours)


def _working_days(cohort: QuerySet[TicketDayCount]) -> Distribution:
    rows = cohort.values("working_days").annotate(total=Sum("n")).order_by()
    counts: Counter[int] = Counter({row["working_days"]: row["total"] for row in rows})
    return working_day_distribution(counts)


def working_days_elapsed(cohort: QuerySet[TicketDayCount]) -> Iterator[tuple[datetime.date, int, int]]:
    """(day the duration ended, working days from receipt to it less the pauses, how many tickets), from a
    cohort of counts (``Moment.counts_in``)."""
    rows = cohort.values("day", "working_days").annotate(total=Sum("n")).order_by()
    for row in rows:
        yield row["day"], row["working_days"], row["total"]


def _hours_in_python(moment: Moment, cohort: QuerySet[TicketFacts]) -> Distribution:
    # SQLite has no percentile: the exact fallback reads one integer per ticket of the cohort.
    counts = Counter(cohort.values_list(moment.seconds, flat=True).iterator())
    n, median, p90 = sum(counts.values()), percentile_disc(counts, 0.5), percentile_disc(counts, 0.9)
    return Distribution(n=n, median=_to_hours(median), p90=_to_hours(p90))


def _hours_sorted(moment: Moment, cohort: QuerySet[TicketFacts]) -> Distribution:
    """PostgreSQL's ``PERCENTILE_DISC`` over the cohort's facts (a sort of them): when no histogram keeps the
    filters' dimensions."""
    row = cohort.aggregate(
        n=Count("pk"),
        median=sql.PercentileDisc(moment.seconds, fraction=0.5),
        p90=sql.PercentileDisc(moment.seconds, fraction=0.9),
    )
    return Distribution(n=row["n"], median=_to_hours(row["median"]), p90=_to_hours(row["p90"]))


def _hours_by_histogram(
    moment: Moment, cohort: QuerySet[TicketFacts], histogram: QuerySet[TicketDayCount]
) -> Distribution:
    """The same exact percentiles in one statement without sorting the cohort: the histogram's counts say in
    which bucket of durations each rank falls and its rank there; only the cohort's facts of that bucket are
    read, in the order of the durations (``sql.percentiles_by_histogram``)."""
    buckets = histogram.values("working_days").annotate(total=Sum("n")).order_by()  # the bucket, in these rows
    n, found = sql.percentiles_by_histogram(
        buckets, cohort.values_list(moment.seconds), (0.5, 0.9), bounds=DURATION_BOUNDS
    )
    return Distribution(n=n, median=_to_hours(found[0.5]), p90=_to_hours(found[0.9]))


def _to_hours(seconds: float | None) -> float | None:
    return None if seconds is None else max(0, seconds) / SECONDS_PER_HOUR


# Volume helpers ------------------------------------------------------------------------------------------


def _series(received: QuerySet[TicketDayCount], trunc) -> list[tuple[datetime.date, int]]:
    bucket = F("day") if trunc is None else trunc("day", output_field=DateField())
    rows = received.annotate(bucket=bucket).values("bucket").annotate(total=Sum("n")).order_by("bucket")
    return [(_as_date(row["bucket"]), row["total"]) for row in rows]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _count_by(received: QuerySet[TicketDayCount], field: str) -> dict[str, int]:
    rows = received.values(field).annotate(total=Sum("n")).order_by(field)
    return {row[field]: row["total"] for row in rows}


def _count_by_named(received: QuerySet[TicketDayCount], relation: str) -> list[tuple[int, str, int]]:
    rows = (
        received.values(f"{relation}_id", f"{relation}__name")
        .annotate(total=Sum("n"))
        .order_by("-total", f"{relation}__name")
    )
    return [(row[f"{relation}_id"], row[f"{relation}__name"], row["total"]) for row in rows]
