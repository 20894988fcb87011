"""Working days: weekends and French public holidays (with the commune's local ones) excluded."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _holidays(subdivision: str) -> holidays.HolidayBase:
    return holidays.France(subdiv=subdivision or None, language="fr")


def is_working_day(day: datetime.date, *, subdivision: str = "") -> bool:
    return day.weekday() < 5 and day not in _holidays(subdivision)


def add_working_days(start: datetime.date, days: int, *, subdivision: str = "") -> datetime.date:
    """The date ``days`` working days after ``start`` (a request made on a Saturday counts from Monday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current, subdivision=subdivision):
            remaining -= 1
    return current
