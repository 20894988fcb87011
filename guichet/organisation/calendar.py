"""Working days and working hours: weekends, French public holidays (with the local ones), the commune's
closures excluded, and, for hours, only the commune's weekly opening hours.

Pure functions of their arguments (no database): ``Commune.current().calendar`` builds one from the
commune's settings. Holidays come from the ``holidays`` library: with the subdivision « 57 » (Moselle) or
« 6AE » (Alsace), Good Friday and 26 December are public holidays too (Code du travail, article L3134-13,
local law of Alsace-Moselle); 8 May and 14 July are public holidays everywhere (article L3133-1).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = datetime.timedelta(days=1)
ZERO = datetime.timedelta(0)
# Never walk more than this many days looking for opening hours (a calendar with none at all).
MAX_DAYS = 3660


@lru_cache(maxsize=16)
def _holidays(subdivision: str) -> holidays.HolidayBase:
    return holidays.France(subdiv=subdivision or None, language="fr")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# Every ticket's deadline and targets walk the days ahead: the answers for a day are kept (a few years of days).
@lru_cache(maxsize=4096)
def _is_holiday(subdivision: str, day: datetime.date) -> bool:
    return day in _holidays(subdivision)


@lru_cache(maxsize=4096)
def _openings(
    calendar: "WorkingCalendar", day: datetime.date
) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
    if not calendar.is_working_day(day):
        return ()
    zone = _zone(calendar.time_zone)
    return tuple(
        (
            datetime.datetime.combine(day, span.start, tzinfo=zone),
            datetime.datetime.combine(day, span.end, tzinfo=zone),
        )
        for span in sorted(calendar.opening)
        if span.weekday == day.weekday() and span.start < span.end
    )


@dataclass(frozen=True, order=True)
class OpeningRange:
    """The town hall is open on ``weekday`` (0 = Monday) from ``start`` to ``end`` (local time)."""

    weekday: int
    start: datetime.time
    end: datetime.time


def _ranges(*spans: tuple[int, str, str]) -> tuple[OpeningRange, ...]:
    return tuple(
        OpeningRange(day, datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        for day, start, end in spans
    )


# Used while the commune has entered no opening hours: 8 h 30 – 12 h and 13 h 30 – 17 h 30, Monday to Friday.
DEFAULT_OPENING = _ranges(
    *((day, "08:30", "12:00") for day in range(5)), *((day, "13:30", "17:30") for day in range(5))
)


@dataclass(frozen=True)
class WorkingCalendar:
    subdivision: str = ""
    closures: frozenset[datetime.date] = frozenset()
    opening: tuple[OpeningRange, ...] = DEFAULT_OPENING
    time_zone: str = "Europe/Paris"

    # Working days ---------------------------------------------------------------------------------

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and not _is_holiday(self.subdivision, day) and day not in self.closures

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

    # Working hours --------------------------------------------------------------------------------

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(_zone(self.time_zone)).date()

    def end_of_day(self, day: datetime.date) -> datetime.datetime:
        """The first instant after ``day`` (local midnight): a target « on ``day`` » is met before it."""
        return datetime.datetime.combine(day + ONE_DAY, datetime.time(0), tzinfo=_zone(self.time_zone))

    def due_day(self, due: datetime.datetime) -> datetime.date:
        """The last day on which a target due at ``due`` is still met (``due`` itself is late)."""
        return self.local_date(due - datetime.timedelta(microseconds=1))

    def openings(self, day: datetime.date) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
        """The opening hours of ``day`` as aware datetimes, none on a day that is not a working day."""
        return _openings(self, day)

    def add_working_time(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment when ``duration`` of opening hours has passed since ``start``.

        A request received on a Friday evening starts counting at Monday's opening (or Tuesday's, after a
        holiday). A zero duration is ``start`` itself.
        """
        if duration <= ZERO:
            return start
        if not any(span.weekday < 5 and span.start < span.end for span in self.opening):
            raise ValueError("No opening hours on any working day")
        remaining = duration
        day = self.local_date(start)
        for _ in range(MAX_DAYS):
            for opens, closes in self.openings(day):
                opens = max(opens, start)
                if closes <= opens:
                    continue
                if remaining <= closes - opens:
                    return opens + remaining
                remaining -= closes - opens
            day += ONE_DAY
        raise ValueError("No opening hours within the next ten years")

    def subtract_working_time(self, end: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment ``duration`` of opening hours before ``end`` (the inverse of ``add_working_time``)."""
        if duration <= ZERO:
            return end
        if not any(span.weekday < 5 and span.start < span.end for span in self.opening):
            raise ValueError("No opening hours on any working day")
        remaining = duration
        day = self.local_date(end)
        for _ in range(MAX_DAYS):
            for opens, closes in reversed(self.openings(day)):
                closes = min(closes, end)
                if closes <= opens:
                    continue
                if remaining <= closes - opens:
                    return closes - remaining
                remaining -= closes - opens
            day -= ONE_DAY
        raise ValueError("No opening hours within the previous ten years")

    def working_time_between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Opening hours of working days between ``start`` and ``end`` (zero when end is not later)."""
        total = ZERO
        if end <= start:
            return total
        for day in _days(self.local_date(start), self.local_date(end)):
            for opens, closes in self.openings(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > ZERO:
                    total += overlap
        return total


def _days(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def is_working_day(day: datetime.date, *, subdivision: str = "") -> bool:
    return WorkingCalendar(subdivision).is_working_day(day)


def add_working_days(start: datetime.date, days: int, *, subdivision: str = "") -> datetime.date:
    return WorkingCalendar(subdivision).add_working_days(start, days)
