"""The implicit-decision date (tickets/legal.py): de quantième à quantième, month ends, leap years, days."""

import datetime

import pytest

from guichet.tickets import legal

D = datetime.date


@pytest.mark.parametrize(
    ("received", "months", "days", "expected"),
    [
        (D(2026, 3, 15), 2, 0, D(2026, 5, 15)),  # the same quantième, two months later
        (D(2026, 1, 31), 1, 0, D(2026, 2, 28)),  # no 31 February: the last day of the month
        (D(2028, 1, 31), 1, 0, D(2028, 2, 29)),  # ...which is the 29th in a leap year
        (D(2028, 2, 29), 12, 0, D(2029, 2, 28)),  # 29 February + one year: 28 February
        (D(2028, 2, 29), 2, 0, D(2028, 4, 29)),  # from the 29th, the 29th
        (D(2026, 8, 31), 1, 0, D(2026, 9, 30)),  # a 30-day month
        (D(2026, 9, 30), 1, 0, D(2026, 10, 30)),  # a 31-day month keeps the 30th
        (D(2026, 12, 31), 2, 0, D(2027, 2, 28)),  # across the year
        (D(2026, 11, 15), 2, 0, D(2027, 1, 15)),
        (D(2026, 3, 3), 0, 15, D(2026, 3, 18)),  # in days: the day of receipt does not count
        (D(2026, 2, 20), 0, 15, D(2026, 3, 7)),
        (D(2026, 1, 31), 1, 10, D(2026, 3, 10)),  # months first, then days
    ],
)
def test_implicit_decision_date(received, months, days, expected):
    assert legal.implicit_decision_date(received, months=months, days=days) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (D(2026, 5, 14), D(2026, 7, 14)),  # 14 July, a public holiday
        (D(2026, 3, 1), D(2026, 5, 1)),  # 1 May
        (D(2026, 5, 8), D(2026, 7, 8)),
        (D(2026, 3, 8), D(2026, 5, 8)),  # 8 May
        (D(2026, 5, 25), D(2026, 7, 25)),  # a Saturday
        (D(2026, 5, 26), D(2026, 7, 26)),  # a Sunday
    ],
)
def test_the_date_is_not_moved_off_weekends_and_holidays(received, expected):
    """The silence decides on any day: the prorogation of delays is for someone who must act (CPC art. 642)."""
    assert legal.implicit_decision_date(received, months=2, days=0) == expected


def test_the_decision_is_acquired_at_the_end_of_its_day():
    decision_on = D(2026, 5, 15)
    assert not legal.is_acquired(decision_on, D(2026, 5, 14))
    assert not legal.is_acquired(decision_on, decision_on)  # the commune may still answer that day
    assert legal.is_acquired(decision_on, D(2026, 5, 16))


def test_appeal_deadline_runs_two_months_from_the_day_after_the_decision():
    assert legal.appeal_deadline(D(2026, 6, 23)) == D(2026, 8, 24)
    assert legal.appeal_deadline(D(2026, 12, 30)) == D(2027, 2, 28)
