"""Every figure of the statistics, computed in the database from the tickets and their events.

Formulas and their exact definitions: docs/METRICS.md. Entry points: ``ticket_stats`` (one period),
``ticket_stats_compared`` (with the previous period of the same length) and ``ticket_backlog`` (now).
Each figure is a handful of aggregate queries whatever the number of tickets; Python only sees grouped
rows (one per received day × answered day × paused days), except the hour percentiles on SQLite.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from guichet.accounts.models import User
from guichet.organisation.models import Commune
from guichet.statistics import sql
from guichet.statistics.figures import (
    Distribution,
    Durations,
    Share,
    WorkingDayIndex,
    percentile_disc,
    working_day_distribution,
)
from guichet.statistics.filters import Period, StatsFilter, tickets_for_stats
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket

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
    tickets = tickets_for_stats(user=user, filters=filters)
    period = filters.period
    resolved = _resolved_in(tickets, period)
    outcome = _outcomes(resolved)
    return Report(
        period=period,
        volume=ticket_volume(tickets, period),
        first_response=_durations(_responded_in(tickets, period)),
        resolution=_durations(resolved),
        within_deadline=Share(count=outcome["on_time"], n=outcome["n"]),
        reopened=Share(count=outcome["reopened"], n=outcome["n"]),
    )


def _outcomes(resolved: QuerySet[Ticket]) -> dict[str, int]:
    # Annotated first: the aggregate then runs over a subquery that already holds these columns.
    return resolved.annotate(resolved_day=_local_date("moment"), was_reopened=sql.was_reopened()).aggregate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_day__lte=F("due_date"))),
        reopened=Count("pk", filter=Q(was_reopened=True)),
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


def ticket_volume(tickets: QuerySet[Ticket], period: Period) -> Volume:
    first, after = period.bounds()
    received = tickets.filter(created_at__gte=first, created_at__lt=after)
    by_status = _count_by(received, "status")
    return Volume(
        total=sum(by_status.values()),
        by_day=_series(received, TruncDay),
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


def _resolved_in(tickets: QuerySet[Ticket], period: Period) -> QuerySet[Ticket]:
    """Tickets first answered or closed during the period, with that moment as ``moment``."""
    first, after = period.bounds()
    return _ending_in(
        tickets.filter(sql.has_status_change_in(sql.RESOLVED_STATUSES, first, after)),
        sql.first_status_change_to(sql.RESOLVED_STATUSES),
        period,
    )


def _responded_in(tickets: QuerySet[Ticket], period: Period) -> QuerySet[Ticket]:
    """Tickets that got their first response during the period, with that moment as ``moment``."""
    first, after = period.bounds()
    return _ending_in(tickets.filter(sql.has_response_in(first, after)), sql.first_response(), period)


def _ending_in(tickets: QuerySet[Ticket], moment: Subquery, period: Period) -> QuerySet[Ticket]:
    first, after = period.bounds()
    return tickets.filter(created_at__lt=after).annotate(moment=moment).filter(moment__gte=first, moment__lt=after)


def _durations(cohort: QuerySet[Ticket]) -> Durations:
    return Durations(working_days=_working_days(cohort), hours=_hours(cohort))


def _working_days(cohort: QuerySet[Ticket]) -> Distribution:
    counts: Counter[int] = Counter()
    for _ended_on, elapsed, n in working_days_elapsed(cohort):
        counts[elapsed] += n
    return working_day_distribution(counts)


def working_days_elapsed(cohort: QuerySet[Ticket]) -> Iterator[tuple[datetime.date, int, int]]:
    """(day the duration ended, working days from receipt to ``moment`` less the pauses, how many tickets).

    Tickets are grouped in SQL by their receipt day, end day and paused working days; the working days are
    then counted once per group, on the commune's calendar.
    """
    groups = list(
        cohort.annotate(
            received_day=_local_date("created_at"),
            moment_day=_local_date("moment"),
            paused_days=sql.paused_working_days_before("moment"),
        )
        .values("received_day", "moment_day", "paused_days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    days = [group["received_day"] for group in groups] + [group["moment_day"] for group in groups]
    index = WorkingDayIndex(Commune.current().calendar, days)
    for group in groups:
        elapsed = index.between(group["received_day"], group["moment_day"]) - group["paused_days"]
        yield group["moment_day"], max(0, elapsed), group["n"]


def _hours(cohort: QuerySet[Ticket]) -> Distribution:
    with_seconds = cohort.annotate(
        paused_seconds=sql.paused_seconds_before("moment"),
    ).annotate(seconds=sql.elapsed_seconds("moment", "paused_seconds"))
    if connections[cohort.db].vendor == "postgresql":
        row = with_seconds.aggregate(
            n=Count("pk"),
            median=sql.PercentileDisc("seconds", fraction=0.5),
            p90=sql.PercentileDisc("seconds", fraction=0.9),
        )
        n, median, p90 = row["n"], row["median"], row["p90"]
    else:
        # SQLite has no percentile: the exact fallback reads one integer per ticket of the cohort.
        counts = Counter(with_seconds.values_list("seconds", flat=True).iterator())
        n, median, p90 = sum(counts.values()), percentile_disc(counts, 0.5), percentile_disc(counts, 0.9)
    return Distribution(n=n, median=_to_hours(median), p90=_to_hours(p90))


def _to_hours(seconds: float | None) -> float | None:
    return None if seconds is None else max(0, seconds) / SECONDS_PER_HOUR


# Volume helpers ------------------------------------------------------------------------------------------


def _local_date(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _series(received: QuerySet[Ticket], trunc) -> list[tuple[datetime.date, int]]:
    tz = timezone.get_current_timezone()
    rows = (
        received.annotate(bucket=trunc("created_at", tzinfo=tz))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by("bucket")
    )
    return [(timezone.localtime(row["bucket"], tz).date(), row["n"]) for row in rows]


def _count_by(received: QuerySet[Ticket], field: str) -> dict[str, int]:
    rows = received.values(field).annotate(n=Count("pk")).order_by(field)
    return {row[field]: row["n"] for row in rows}


def _count_by_named(received: QuerySet[Ticket], relation: str) -> list[tuple[int, str, int]]:
    rows = (
        received.values(f"{relation}_id", f"{relation}__name")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{relation}__name")
    )
    return [(row[f"{relation}_id"], row[f"{relation}__name"], row["n"]) for row in rows]


# Single figures, for the public results (statistics.public): the same definitions, fewer queries. ------


def received_count(tickets: QuerySet[Ticket], period: Period) -> int:
    first, after = period.bounds()
    return tickets.filter(created_at__gte=first, created_at__lt=after).count()


def first_response_working_days(tickets: QuerySet[Ticket], period: Period) -> Distribution:
    return _working_days(_responded_in(tickets, period))


def deadline_share(tickets: QuerySet[Ticket], period: Period) -> Share:
    outcome = _outcomes(_resolved_in(tickets, period))
    return Share(count=outcome["on_time"], n=outcome["n"])
