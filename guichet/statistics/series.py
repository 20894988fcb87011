"""Figures per step of time and per service, for the charts of the statistics page (docs/METRICS.md, "Series").

Same cohorts and definitions as ``metrics``: a duration belongs to the step in which it ended, a volume to the
step in which the request was received. Each function is one grouped query whatever the number of tickets.
"""

import datetime
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import DateField, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from guichet.accounts.models import User
from guichet.statistics.figures import Distribution, Share, working_day_distribution
from guichet.statistics.filters import Counts, Period, StatsFilter, counts_for_stats
from guichet.statistics.metrics import FIRST_RESPONSE, RECEIVED, RESOLUTION, Moment, working_days_elapsed

# A period up to this many days is drawn week by week, a longer one month by month.
WEEKLY_UP_TO_DAYS = 92


class Step:
    """Identifiers only; the pages give them their labels."""

    WEEK = "week"
    MONTH = "month"


def step_for(period: Period) -> str:
    return Step.WEEK if period.days <= WEEKLY_UP_TO_DAYS else Step.MONTH


def step_start(day: datetime.date, step: str) -> datetime.date:
    """The Monday of the day's week, or the first day of its month."""
    if step == Step.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def step_starts(period: Period, step: str) -> list[datetime.date]:
    """Every step that overlaps the period, empty ones included (a chart's axis has no holes)."""
    starts, day = [], step_start(period.start, step)
    while day <= period.end:
        starts.append(day)
        if step == Step.WEEK:
            day += datetime.timedelta(days=7)
        else:
            day = (day + datetime.timedelta(days=32)).replace(day=1)
    return starts


@dataclass(frozen=True)
class DurationStep:
    start: datetime.date
    first_response: Distribution  # working days
    resolution: Distribution  # working days


@dataclass(frozen=True)
class ServiceDeadline:
    service_id: int
    name: str
    within_deadline: Share


def volume_by_channel_over_time(
    *, user: User, filters: StatsFilter, step: str
) -> list[tuple[datetime.date, dict[str, int]]]:
    """Tickets received in each step of the period, per channel (steps with none hold an empty dict)."""
    trunc = TruncWeek if step == Step.WEEK else TruncMonth
    rows = (
        RECEIVED.counts_in(
            counts_for_stats(user=user, filters=filters, keep={"channel"}),
            filters.period,
            by_day=step == Step.WEEK,
        )
        .annotate(bucket=trunc("day", output_field=DateField()))
        .values("bucket", "channel")
        .annotate(total=Sum("n"))
        .order_by("bucket", "channel")
    )
    counts: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        bucket = row["bucket"]
        counts[bucket.date() if isinstance(bucket, datetime.datetime) else bucket][row["channel"]] = row["total"]
    return [(start, counts.get(start, {})) for start in step_starts(filters.period, step)]


def durations_over_time(*, user: User, filters: StatsFilter, step: str) -> list[DurationStep]:
    """First-response and resolution times in working days, per step in which they ended."""
    counts = counts_for_stats(user=user, filters=filters)
    first_response = _working_days_by_step(FIRST_RESPONSE, counts, filters.period, step)
    resolution = _working_days_by_step(RESOLUTION, counts, filters.period, step)
    return [
        DurationStep(
            start=start,
            first_response=working_day_distribution(first_response.get(start, Counter())),
            resolution=working_day_distribution(resolution.get(start, Counter())),
        )
        for start in step_starts(filters.period, step)
    ]


def within_deadline_by_service(*, user: User, filters: StatsFilter) -> list[ServiceDeadline]:
    """% answered within the deadline among the tickets resolved in the period, per service, by name
    (accents ignored, the same on every database whatever its collation)."""
    grouped = (
        RESOLUTION.counts_in(counts_for_stats(user=user, filters=filters), filters.period)
        .values("service_id", "service__name")
        .annotate(total=Sum("n"), total_on_time=Sum("n", filter=Q(on_time=True)))
        .order_by()
    )
    rows = sorted(grouped, key=lambda row: _sort_key(row["service__name"]))
    return [
        ServiceDeadline(
            service_id=row["service_id"],
            name=row["service__name"],
            within_deadline=Share(count=row["total_on_time"] or 0, n=row["total"]),
        )
        for row in rows
    ]


def _working_days_by_step(
    moment: Moment, counts: Counts, period: Period, step: str
) -> dict[datetime.date, Counter[int]]:
    """The ``metrics`` working-days figures, split by the step of the day the duration ended."""
    by_step: dict[datetime.date, Counter[int]] = defaultdict(Counter)
    for ended_on, elapsed, n in working_days_elapsed(moment.counts_in(counts, period, by_day=step == Step.WEEK)):
        by_step[step_start(ended_on, step)][elapsed] += n
    return by_step


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
