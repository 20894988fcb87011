import datetime
from unittest import mock

import pytest

from guichet.organisation.calendar import WorkingCalendar
from guichet.organisation.models import ClosureDay, Commune
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def at(year, month, day, hour=10):
    return mock.patch(
        "django.utils.timezone.now", return_value=datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)
    )


def test_working_days_between_counts_only_working_days():
    calendar = WorkingCalendar()
    assert calendar.working_days_between(D(2026, 5, 13), D(2026, 5, 18)) == 2  # 14 Ascension, 16-17 weekend
    assert calendar.working_days_between(D(2026, 5, 18), D(2026, 5, 18)) == 0
    assert calendar.working_days_between(D(2026, 5, 18), D(2026, 5, 11)) == 0


def test_commune_closure_days_are_skipped_by_deadlines(request_type, citizen):
    request_type.deadline_days = 1
    request_type.save()
    ClosureDay.objects.create(date=D(2026, 5, 15), label="Pont de l'Ascension")
    with at(2026, 5, 13):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.due_date == D(2026, 5, 18)  # 14 Ascension, 15 closed, 16-17 weekend


def test_closure_day_changes_refresh_the_cached_calendar():
    Commune.current()
    ClosureDay.objects.create(date=D(2026, 8, 14))
    assert D(2026, 8, 14) in Commune.current().calendar.closures


def test_waiting_for_the_citizen_extends_the_deadline_by_the_working_days_waited(request_type, citizen, agent):
    request_type.deadline_days = 10
    request_type.save()
    with at(2026, 3, 2):  # a Monday
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
        services.message_post_by_agent(
            ticket=ticket, agent=agent, body="Une photo ?", new_status=Status.AWAITING_CITIZEN
        )
    assert ticket.due_date == D(2026, 3, 16)
    with at(2026, 3, 9):  # answered a week later: 5 working days of pause
        services.message_post_by_citizen(ticket=ticket, body="La voici", channel="web")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.due_date == D(2026, 3, 23)
    reopen = Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert reopen.data["due_date_extended_by"] == 5


def test_a_same_day_answer_does_not_move_the_deadline(request_type, citizen, agent):
    with at(2026, 3, 2, 9):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
        services.message_post_by_agent(ticket=ticket, agent=agent, body="?", new_status=Status.AWAITING_CITIZEN)
    due = ticket.due_date
    with at(2026, 3, 2, 17):
        services.message_post_by_citizen(ticket=ticket, body="!", channel="web")
    ticket.refresh_from_db()
    assert ticket.due_date == due
