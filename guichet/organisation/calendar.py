"""Working days: weekends, French public holidays (with the local ones) and the commune's closures excluded."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays

ONE_DAY = datetime.timedelta(days=1)


@lru_cache(maxsize=16)
def _holidays(subdivision: str) -> holidays.HolidayBase:
    return holidays.France(subdiv=subdivision or None, language="fr")


@dataclass(frozen=True)
class WorkingCalendar:
    subdivision: str = ""
    closures: frozenset[datetime.date] = frozenset()

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in _holidays(self.subdivision) and day not in self.closures

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start`` (a request made on a Saturday counts from Monday)."""
        current = start
        remaining = days
        while remaining > 0:
            current += ONE_DAY
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end is not later)."""
        return sum(1 for day in _days(start + ONE_DAY, end) if self.is_working_day(day))


def _days(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def is_working_day(day: datetime.date, *, subdivision: str = "") -> bool:
    return WorkingCalendar(subdivision).is_working_day(day)


def add_working_days(start: datetime.date, days: int, *, subdivision: str = "") -> datetime.date:
    return WorkingCalendar(subdivision).add_working_days(start, days)
