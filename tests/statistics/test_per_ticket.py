"""The per-ticket columns (exports) agree with the metrics on the hand-computed dataset."""

import datetime

import pytest
from django.utils import timezone

from guichet.statistics.per_ticket import ResolutionDays, with_durations
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_each_ticket_carries_its_first_response_and_its_resolution_in_working_days(dataset):
    tickets = with_durations(Ticket.objects.order_by("pk"))
    days = ResolutionDays(tickets, today=datetime.date(2026, 6, 30))
    rows = {
        row["reference"]: (
            row["first_response_day"],
            days(row["received_day"], row["resolved_day"], row["resolution_paused_days"]),
        )
        for row in tickets.values(
            "reference", "received_day", "first_response_day", "resolved_day", "resolution_paused_days"
        )
    }
    may = lambda day: datetime.date(2026, 5, day)  # noqa: E731
    assert rows[dataset.a.reference] == (may(5), 2)
    assert rows[dataset.b.reference] == (may(11), 1)  # over a holiday and a weekend
    assert rows[dataset.c.reference] == (may(12), 2)  # 5 working days minus 3 waiting for the citizen
    assert rows[dataset.d.reference] == (may(22), 11)
    assert rows[dataset.e.reference] == (None, None)  # an internal note is not a response
    assert rows[dataset.g.reference] == (may(7), None)  # rejected: a response, never a resolution


def test_resolution_days_start_from_the_oldest_ticket(dataset):
    days = ResolutionDays(Ticket.objects.all(), today=timezone.localdate())
    assert days(datetime.date(2026, 2, 2), datetime.date(2026, 2, 3), 0) == 1
    assert days(datetime.date(2026, 2, 2), datetime.date(2026, 2, 3), 5) == 0
