import datetime
from collections import Counter

import pytest

from guichet.organisation.calendar import WorkingCalendar
from guichet.statistics.figures import (
    Share,
    WorkingDayIndex,
    bucket_counts,
    is_publishable,
    percentile_disc,
)
from guichet.statistics.filters import Period, Preset
from guichet.statistics.metrics import relative_change

day = datetime.date


def test_percentile_is_the_first_value_reaching_the_share():
    assert percentile_disc(Counter([1, 2, 2, 2, 11]), 0.5) == 2
    assert percentile_disc(Counter([1, 2, 2, 2, 11]), 0.9) == 11
    # With an even count the median is the lower middle value: "half were answered within 3 days" holds.
    assert percentile_disc(Counter([1, 3, 5, 7]), 0.5) == 3
    assert percentile_disc(Counter([4]), 0.9) == 4
    assert percentile_disc(Counter(), 0.5) is None


def test_buckets_include_their_upper_bound():
    assert bucket_counts({0: 1, 2: 1, 3: 2, 10: 1, 11: 1, 20: 1, 21: 4}) == {
        "0-2": 2,
        "3-5": 2,
        "6-10": 1,
        "11-20": 2,
        "21+": 4,
    }


def test_share_and_its_small_sample_rule(settings):
    settings.GUICHET_STATS_MIN_CELL = 10
    assert Share(count=9, n=9).percent == 100.0
    assert not Share(count=9, n=9).publishable
    assert Share(count=7, n=10).publishable
    assert Share(count=0, n=0).value is None
    assert not is_publishable(0)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (day(2026, 5, 7), day(2026, 5, 11)),  # holiday on Friday, then a weekend
        (day(2026, 5, 9), day(2026, 5, 11)),  # from a Saturday
        (day(2026, 5, 11), day(2026, 5, 20)),  # Ascension and the closure day
        (day(2026, 5, 20), day(2026, 5, 20)),
        (day(2026, 5, 20), day(2026, 5, 4)),
        (day(2025, 12, 20), day(2026, 1, 5)),  # Christmas and New Year
    ],
)
def test_working_day_index_agrees_with_the_commune_calendar(start, end):
    calendar = WorkingCalendar(closures=frozenset({day(2026, 5, 15)}))
    index = WorkingDayIndex(calendar, [start, end])
    assert index.between(start, end) == calendar.working_days_between(start, end)


def test_working_day_index_follows_the_local_holidays_of_alsace_moselle():
    # Good Friday (3 April 2026) is a holiday in Moselle only.
    start, end = day(2026, 4, 2), day(2026, 4, 3)
    assert WorkingDayIndex(WorkingCalendar(), [start, end]).between(start, end) == 1
    assert WorkingDayIndex(WorkingCalendar(subdivision="57"), [start, end]).between(start, end) == 0


def test_period_presets():
    today = day(2026, 5, 20)
    assert Period.from_preset(Preset.LAST_30_DAYS, today=today) == Period(day(2026, 4, 21), today)
    assert Period.from_preset(Preset.LAST_12_MONTHS, today=today) == Period(day(2025, 5, 21), today)
    assert Period.from_preset(Preset.THIS_YEAR, today=today) == Period(day(2026, 1, 1), today)
    custom = Period.from_preset(Preset.CUSTOM, start=day(2026, 2, 1), end=day(2026, 2, 28))
    assert custom.days == 28
    assert Period.from_preset(Preset.LAST_12_MONTHS, today=day(2028, 2, 29)) == Period(
        day(2027, 3, 1), day(2028, 2, 29)
    )


def test_a_custom_period_needs_both_dates_in_order():
    with pytest.raises(ValueError):
        Period.from_preset(Preset.CUSTOM, start=day(2026, 2, 1))
    with pytest.raises(ValueError):
        Period(start=day(2026, 2, 2), end=day(2026, 2, 1))
    with pytest.raises(ValueError):
        Period.from_preset("hier")


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    may = Period(day(2026, 5, 1), day(2026, 5, 31))
    assert may.previous() == Period(day(2026, 3, 31), day(2026, 4, 30))
    assert Period(day(2026, 3, 1), day(2026, 3, 1)).previous() == Period(day(2026, 2, 28), day(2026, 2, 28))


def test_period_bounds_are_local_midnights():
    first, after = Period(day(2026, 5, 1), day(2026, 5, 31)).bounds()
    assert first.isoformat() == "2026-05-01T00:00:00+02:00"
    assert after.isoformat() == "2026-06-01T00:00:00+02:00"


def test_relative_change():
    assert relative_change(8, 4) == 1.0
    assert relative_change(3, 4) == -0.25
    assert relative_change(3, 0) is None
    assert relative_change(None, 4) is None
