import datetime

import pytest

from guichet.organisation.calendar import add_working_days, is_working_day

D = datetime.date
ALSACE_MOSELLE = "57"


# is_working_day -------------------------------------------------------------------------------


def test_ordinary_weekdays_are_working_days():
    monday = D(2026, 3, 9)
    assert all(is_working_day(monday + datetime.timedelta(days=n)) for n in range(5))


@pytest.mark.parametrize("day", [D(2026, 3, 14), D(2026, 3, 15)])
def test_weekend_is_not_a_working_day(day):
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "holiday",
    [
        D(2026, 1, 1),  # Jour de l'an
        D(2026, 4, 6),  # Lundi de Pâques
        D(2026, 5, 1),  # Fête du Travail
        D(2026, 5, 8),  # Victoire 1945
        D(2026, 5, 14),  # Ascension
        D(2026, 5, 25),  # Lundi de Pentecôte
        D(2026, 7, 14),  # Fête nationale
        D(2026, 11, 11),  # Armistice
        D(2026, 12, 25),  # Noël
    ],
)
def test_french_public_holiday_on_a_weekday_is_not_a_working_day(holiday):
    assert holiday.weekday() < 5
    assert not is_working_day(holiday)


def test_good_friday_is_a_holiday_only_in_alsace_moselle():
    good_friday = D(2026, 4, 3)
    assert is_working_day(good_friday)
    assert not is_working_day(good_friday, subdivision=ALSACE_MOSELLE)


def test_saint_stephen_is_a_holiday_only_in_alsace_moselle():
    saint_etienne = D(2025, 12, 26)  # a Friday
    assert is_working_day(saint_etienne)
    assert not is_working_day(saint_etienne, subdivision=ALSACE_MOSELLE)


# add_working_days -----------------------------------------------------------------------------


def test_zero_days_is_the_same_date():
    assert add_working_days(D(2026, 3, 11), 0) == D(2026, 3, 11)


def test_zero_days_is_the_same_date_even_on_a_holiday():
    assert add_working_days(D(2026, 12, 25), 0) == D(2026, 12, 25)


def test_one_working_day_after_a_midweek_day_is_the_next_day():
    assert add_working_days(D(2026, 3, 11), 1) == D(2026, 3, 12)


def test_friday_plus_one_working_day_is_monday():
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)


@pytest.mark.parametrize("weekend_day", [D(2026, 3, 14), D(2026, 3, 15)])
def test_request_made_at_the_weekend_counts_from_monday(weekend_day):
    assert add_working_days(weekend_day, 1) == D(2026, 3, 16)
    assert add_working_days(weekend_day, 2) == D(2026, 3, 17)


def test_ten_working_days_span_two_weekends():
    assert add_working_days(D(2026, 3, 9), 10) == D(2026, 3, 23)


def test_ascension_is_skipped():
    assert add_working_days(D(2026, 5, 13), 1) == D(2026, 5, 15)


def test_whit_monday_is_skipped_after_the_weekend():
    assert add_working_days(D(2026, 5, 22), 1) == D(2026, 5, 26)


def test_may_with_its_holidays():
    # 1 and 8 May (both Fridays) and Ascension (Thursday 14) are skipped: 4-7, 11-13, 15, 18, 19 May.
    assert add_working_days(D(2026, 4, 30), 10) == D(2026, 5, 19)


def test_christmas_eve_plus_one_skips_christmas_and_the_weekend():
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 28)


def test_count_crosses_into_the_next_year_and_skips_new_year():
    # 1 January 2027 is a Friday.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_alsace_moselle_skips_good_friday_as_well_as_easter_monday():
    assert add_working_days(D(2026, 4, 2), 1, subdivision=ALSACE_MOSELLE) == D(2026, 4, 7)


def test_without_subdivision_good_friday_is_worked():
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 3)


def test_alsace_moselle_skips_saint_stephen():
    assert add_working_days(D(2025, 12, 24), 1, subdivision=ALSACE_MOSELLE) == D(2025, 12, 29)
    assert add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 26)


def test_result_is_always_a_working_day():
    start = D(2026, 1, 1)
    for offset in range(0, 365, 3):
        for days in (1, 5, 10):
            due = add_working_days(start + datetime.timedelta(days=offset), days, subdivision=ALSACE_MOSELLE)
            assert is_working_day(due, subdivision=ALSACE_MOSELLE)


def test_each_extra_day_moves_to_the_next_working_day():
    start = D(2026, 4, 30)
    previous = add_working_days(start, 1)
    for days in range(2, 40):
        due = add_working_days(start, days)
        between = [previous + datetime.timedelta(days=n) for n in range(1, (due - previous).days)]
        assert due > previous
        assert not any(is_working_day(day) for day in between)
        previous = due
