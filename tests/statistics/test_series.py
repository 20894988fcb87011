"""The series of the statistics page, on the hand-computed May 2026 dataset (tests/statistics/conftest.py).

Weeks of May 2026: Mon 27 April (1–3 May), 4, 11, 18 and 25 May.
"""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.series import (
    Step,
    durations_over_time,
    step_for,
    step_starts,
    volume_by_channel_over_time,
    within_deadline_by_service,
)
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.statistics.timeline import change, paris

MAY = StatsFilter(period=Period(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31)))
day = datetime.date
WEEKS = [day(2026, 4, 27), day(2026, 5, 4), day(2026, 5, 11), day(2026, 5, 18), day(2026, 5, 25)]


def test_a_short_period_goes_by_week_and_a_long_one_by_month():
    assert step_for(MAY.period) == Step.WEEK
    year = Period(start=day(2025, 6, 1), end=day(2026, 5, 31))
    assert step_for(year) == Step.MONTH
    assert step_starts(MAY.period, Step.WEEK) == WEEKS
    assert step_starts(year, Step.MONTH)[:2] == [day(2025, 6, 1), day(2025, 7, 1)]
    assert len(step_starts(year, Step.MONTH)) == 12
    assert step_starts(Period(start=day(2026, 1, 31), end=day(2026, 3, 1)), Step.MONTH) == [
        day(2026, 1, 1),
        day(2026, 2, 1),
        day(2026, 3, 1),
    ]


def test_volume_by_channel_per_week_with_empty_weeks(dataset, agent):
    series = volume_by_channel_over_time(user=agent, filters=MAY, step=Step.WEEK)
    # A, B, D, F by the web and G by email in the week of 4 May; C, J, E one each after.
    assert series == [
        (WEEKS[0], {}),
        (WEEKS[1], {Channel.EMAIL: 1, Channel.WEB: 4}),
        (WEEKS[2], {Channel.WEB: 1}),
        (WEEKS[3], {Channel.WEB: 1}),
        (WEEKS[4], {Channel.WEB: 1}),
    ]
    assert sum(sum(counts.values()) for _, counts in series) == 8  # ticket_stats' volume


def test_median_and_p90_per_week_of_the_day_the_duration_ended(dataset, agent):
    steps = durations_over_time(user=agent, filters=MAY, step=Step.WEEK)
    assert [step.start for step in steps] == WEEKS
    first = [(s.first_response.n, s.first_response.median, s.first_response.p90) for s in steps]
    # Week of 4 May: A 1, F 2, G 1 → 1 1 2: median rank 2 → 1, p90 rank 3 → 2. Then B 1, C 1; J 1, D 11.
    assert first == [(0, None, None), (3, 1, 2), (2, 1, 1), (2, 1, 11), (0, None, None)]
    resolution = [(s.resolution.n, s.resolution.median, s.resolution.p90) for s in steps]
    # A 2 and F 2; B 1; C 2 and D 11 (G was rejected: no resolution).
    assert resolution == [(0, None, None), (2, 2, 2), (1, 1, 1), (2, 2, 11), (0, None, None)]
    assert not steps[1].first_response.publishable


def test_within_deadline_per_service(dataset, supervisor, agent):
    rows = within_deadline_by_service(user=supervisor, filters=MAY)
    # Voirie: A B C F on time, D one day late; État civil: H on time.
    assert [(row.name, row.within_deadline.count, row.within_deadline.n) for row in rows] == [
        ("État civil", 1, 1),
        ("Voirie", 4, 5),
    ]
    assert [row.name for row in within_deadline_by_service(user=agent, filters=MAY)] == ["Voirie"]


def test_each_series_is_one_query_whatever_the_number_of_tickets(dataset, agent):
    def run() -> None:
        volume_by_channel_over_time(user=agent, filters=MAY, step=Step.WEEK)
        durations_over_time(user=agent, filters=MAY, step=Step.WEEK)
        within_deadline_by_service(user=agent, filters=MAY)

    run()  # the commune's calendar and the agent's services, cached
    with CaptureQueriesContext(connection) as before:
        run()
    for received_day in (12, 13, 18):
        ticket = factories.make_ticket(
            request_type=dataset.request_type, citizen=None, received_at=paris(5, received_day)
        )
        change(ticket, agent, paris(5, 20), Status.ANSWERED)
    with CaptureQueriesContext(connection) as after:
        run()
    assert len(after) == len(before) == 4
