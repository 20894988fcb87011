"""Working hours: the commune's opening hours on working days (weekends, holidays, closures excluded)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from guichet.organisation.calendar import DEFAULT_OPENING, OpeningRange, WorkingCalendar
from guichet.organisation.models import ClosureDay, Commune, OpeningHours

PARIS = ZoneInfo("Europe/Paris")
HOUR = datetime.timedelta(hours=1)
MOSELLE = WorkingCalendar(subdivision="57")
METROPOLE = WorkingCalendar()


def at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_a_friday_evening_request_starts_counting_at_monday_opening():
    # Default hours: 8:30-12:00 and 13:30-17:30. Four hours from Monday's opening end at 14:00 (lunch skipped).
    assert METROPOLE.add_working_time(at(2026, 3, 6, 19), 4 * HOUR) == at(2026, 3, 9, 14)


def test_a_request_during_lunch_starts_at_the_afternoon_opening():
    assert METROPOLE.add_working_time(at(2026, 3, 9, 12, 30), HOUR) == at(2026, 3, 9, 14, 30)


def test_the_fourteenth_of_july_is_skipped():
    # Monday 13 July 2026 17:00: half an hour that day, then Wednesday 15 (14 is the Fête nationale).
    assert METROPOLE.add_working_time(at(2026, 7, 13, 17), HOUR) == at(2026, 7, 15, 9)


def test_the_eighth_of_may_is_skipped():
    # Thursday 7 May 2026 17:00 → Friday 8 May is Victoire 1945 → Monday 11 May.
    assert METROPOLE.add_working_time(at(2026, 5, 7, 17), HOUR) == at(2026, 5, 11, 9)


def test_good_friday_is_a_holiday_in_moselle_only():
    # Thursday 2 April 2026 17:00, one hour: Good Friday 3 April, then Easter Monday 6 April everywhere.
    assert METROPOLE.add_working_time(at(2026, 4, 2, 17), HOUR) == at(2026, 4, 3, 9)
    assert MOSELLE.add_working_time(at(2026, 4, 2, 17), HOUR) == at(2026, 4, 7, 9)


def test_saint_stephens_day_is_a_holiday_in_alsace_moselle_only():
    # Wednesday 24 December 2025 17:00: Christmas, then Friday 26 December (Moselle, Alsace: « 6AE »).
    assert METROPOLE.add_working_time(at(2025, 12, 24, 17), HOUR) == at(2025, 12, 26, 9)
    assert MOSELLE.add_working_time(at(2025, 12, 24, 17), HOUR) == at(2025, 12, 29, 9)
    assert WorkingCalendar(subdivision="6AE").add_working_time(at(2025, 12, 24, 17), HOUR) == at(2025, 12, 29, 9)


def test_working_time_between_skips_nights_weekends_and_closures():
    friday, monday = at(2026, 3, 6, 16), at(2026, 3, 9, 10)
    assert METROPOLE.working_time_between(friday, monday) == 1.5 * HOUR + 1.5 * HOUR
    closed = WorkingCalendar(closures=frozenset({datetime.date(2026, 3, 9)}))
    assert closed.working_time_between(friday, monday) == 1.5 * HOUR
    assert METROPOLE.working_time_between(monday, friday) == datetime.timedelta(0)


def test_subtracting_working_time_undoes_adding_it():
    start = at(2026, 7, 10, 11)  # Friday before 14 July
    for hours in (0.5, 3, 7.5, 20):
        end = MOSELLE.add_working_time(start, hours * HOUR)
        assert MOSELLE.working_time_between(start, end) == hours * HOUR
        assert MOSELLE.subtract_working_time(end, hours * HOUR) == start


def test_the_communes_own_opening_hours_are_used():
    # Open mornings only, and Wednesday afternoon too.
    hours = (
        *(OpeningRange(day, datetime.time(9), datetime.time(12)) for day in range(5)),
        OpeningRange(2, datetime.time(14), datetime.time(18)),
    )
    calendar = WorkingCalendar(opening=hours)
    assert calendar.add_working_time(at(2026, 3, 9, 11), 2 * HOUR) == at(2026, 3, 10, 10)  # Mon 11-12, Tue 9-10
    assert calendar.working_time_between(at(2026, 3, 11, 0), at(2026, 3, 12, 0)) == 7 * HOUR


def test_saturday_opening_hours_do_not_count():
    calendar = WorkingCalendar(opening=(*DEFAULT_OPENING, OpeningRange(5, datetime.time(9), datetime.time(12))))
    assert calendar.add_working_time(at(2026, 3, 6, 19), HOUR) == at(2026, 3, 9, 9, 30)


def test_a_calendar_without_opening_hours_on_working_days_is_refused():
    calendar = WorkingCalendar(opening=(OpeningRange(6, datetime.time(9), datetime.time(12)),))
    with pytest.raises(ValueError):
        calendar.add_working_time(at(2026, 3, 9, 9), HOUR)


def test_end_of_day_and_due_day_agree():
    end = METROPOLE.end_of_day(datetime.date(2026, 3, 27))  # the night of the change to summer time
    assert end == at(2026, 3, 28, 0)
    assert METROPOLE.due_day(end) == datetime.date(2026, 3, 27)


@pytest.mark.django_db
def test_the_commune_calendar_reads_opening_hours_and_closures_in_one_query(django_assert_num_queries):
    commune = Commune.objects.create()
    OpeningHours.objects.create(commune=commune, weekday=0, start=datetime.time(10), end=datetime.time(12))
    ClosureDay.objects.create(date=datetime.date(2026, 3, 10))
    Commune.forget_cached()
    with django_assert_num_queries(2):  # the commune, then its closures and opening hours together
        calendar = Commune.current().calendar
    assert calendar.opening == (OpeningRange(0, datetime.time(10), datetime.time(12)),)
    assert calendar.closures == frozenset({datetime.date(2026, 3, 10)})


@pytest.mark.django_db
def test_without_opening_hours_the_default_ones_apply():
    Commune.objects.create()
    assert Commune.current().calendar.opening == DEFAULT_OPENING
