"""The shapes of the figures, and the small-sample rule every one of them carries."""

import datetime
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings

from guichet.organisation.calendar import WorkingCalendar

ONE_DAY = datetime.timedelta(days=1)
Number = TypeVar("Number", int, float)


def is_publishable(n: int) -> bool:
    """A figure built from fewer than GUICHET_STATS_MIN_CELL tickets is withheld, never shown as 0 % or 100 %."""
    return n >= settings.GUICHET_STATS_MIN_CELL


@dataclass(frozen=True)
class Share:
    """``count`` tickets out of ``n``."""

    count: int
    n: int

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else round(100 * self.value, 1)

    @property
    def publishable(self) -> bool:
        return is_publishable(self.n)


@dataclass(frozen=True)
class Distribution:
    """Median, 90th percentile and counts per bucket of ``n`` durations (None when n is 0)."""

    n: int
    median: float | None
    p90: float | None
    buckets: dict[str, int] = field(default_factory=dict)

    @property
    def publishable(self) -> bool:
        return is_publishable(self.n)


@dataclass(frozen=True)
class Durations:
    working_days: Distribution
    hours: Distribution


def percentile_disc(counts: Mapping[Number, int], fraction: float) -> Number | None:
    """The smallest value whose cumulative share reaches ``fraction`` (PostgreSQL's PERCENTILE_DISC),
    from a value → count mapping: exact, and it says a true sentence ("half were answered within X")."""
    n = sum(counts.values())
    if not n:
        return None
    rank = max(1, math.ceil(fraction * n))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


# Resolution and first-response times in working days, upper bounds included; identifiers, not labels.
WORKING_DAY_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-2", 2),
    ("3-5", 5),
    ("6-10", 10),
    ("11-20", 20),
    ("21+", None),
)


def bucket_counts(counts: Mapping[int, int]) -> dict[str, int]:
    result = dict.fromkeys((name for name, _ in WORKING_DAY_BUCKETS), 0)
    for value, count in counts.items():
        for name, upper in WORKING_DAY_BUCKETS:
            if upper is None or value <= upper:
                result[name] += count
                break
    return result


def working_day_distribution(counts: Counter[int]) -> Distribution:
    return Distribution(
        n=sum(counts.values()),
        median=percentile_disc(counts, 0.5),
        p90=percentile_disc(counts, 0.9),
        buckets=bucket_counts(counts),
    )


class WorkingDayIndex:
    """Working days between two dates by difference of a running count: one pass over the calendar for a
    whole report instead of one per ticket. Same rule as ``WorkingCalendar.working_days_between``."""

    def __init__(self, calendar: WorkingCalendar, days: Iterable[datetime.date]) -> None:
        days = list(days)
        self._running: dict[datetime.date, int] = {}
        if not days:
            return
        day, last, running = min(days), max(days), 0
        while day <= last:
            running += calendar.is_working_day(day)
            self._running[day] = running
            day += ONE_DAY

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end is not later)."""
        if end <= start:
            return 0
        return self._running[end] - self._running[start]
