"""Ticket.objects: one definition of open, overdue and visible, that the model's properties agree with."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from guichet.backoffice import inbox
from guichet.tickets.lifecycle import OPEN_STATUSES, Status
from guichet.tickets.models import ENDED_STATUSES, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


def _ended(status: str) -> dict:
    return {"closed_at": timezone.now()} if status in ENDED_STATUSES else {}


@pytest.fixture
def every_case(request_type):
    """Each status, due yesterday, today (the boundary day) and tomorrow."""
    return [
        factories.raw_ticket(
            request_type=request_type, status=status, due_date=TODAY + datetime.timedelta(days=shift), **_ended(status)
        )
        for status in Status
        for shift in (-1, 0, 1)
    ]


def test_open_is_the_open_statuses_and_agrees_with_is_open(every_case):
    opened = set(Ticket.objects.open())
    assert opened == {t for t in every_case if t.status in OPEN_STATUSES}
    assert opened == {t for t in every_case if t.is_open}
    assert set(Ticket.objects.ended()) == {t for t in every_case if not t.is_open}


def test_overdue_is_open_and_past_the_due_date_the_due_date_itself_is_on_time(every_case):
    overdue = set(Ticket.objects.overdue(today=TODAY))
    assert overdue == {t for t in every_case if t.is_open and t.due_date < TODAY}
    assert {t.status for t in overdue} == set(OPEN_STATUSES)
    assert {t.due_date for t in overdue} == {TODAY - datetime.timedelta(days=1)}
    # The property says the same on the same rows, including the boundary day and ended tickets.
    assert overdue == {t for t in every_case if t.is_overdue_on(TODAY)}


def test_is_overdue_and_overdue_default_to_today(request_type):
    today = timezone.localdate()
    late = factories.raw_ticket(request_type=request_type, due_date=today - datetime.timedelta(days=1))
    on_time = factories.raw_ticket(request_type=request_type, due_date=today)
    closed_late = factories.raw_ticket(
        request_type=request_type, status=Status.CLOSED, closed_at=timezone.now(), due_date=late.due_date
    )
    assert list(Ticket.objects.overdue()) == [late]
    assert [late.is_overdue, on_time.is_overdue, closed_late.is_overdue] == [True, False, False]


def test_due_between_includes_both_ends_and_only_open_tickets(every_case):
    due = set(Ticket.objects.due_between(TODAY, TODAY + datetime.timedelta(days=1)))
    assert due == {t for t in every_case if t.is_open and t.due_date >= TODAY}


def test_visible_to_is_the_permission_rule(request_type, agent, other_agent, supervisor, other_service):
    mine = factories.raw_ticket(request_type=request_type)
    theirs = factories.raw_ticket(request_type=factories.RequestTypeFactory(service=other_service))
    reception = factories.AgentFactory(role="reception").user
    citizen_account = factories.UserFactory()
    assert set(Ticket.objects.visible_to(agent)) == {mine}
    assert set(Ticket.objects.visible_to(other_agent)) == {theirs}
    assert set(Ticket.objects.visible_to(supervisor)) == {mine, theirs}
    assert set(Ticket.objects.visible_to(reception)) == {mine, theirs}
    assert list(Ticket.objects.visible_to(citizen_account)) == []
    assert list(Ticket.objects.visible_to(AnonymousUser())) == []
    agent.is_active = False
    assert list(Ticket.objects.visible_to(agent)) == []


def test_visible_to_chains_with_open_and_overdue(request_type, agent, other_service):
    late = factories.raw_ticket(request_type=request_type, due_date=TODAY - datetime.timedelta(days=3))
    factories.raw_ticket(request_type=request_type, due_date=TODAY)
    factories.raw_ticket(
        request_type=factories.RequestTypeFactory(service=other_service), due_date=TODAY - datetime.timedelta(days=3)
    )
    assert list(Ticket.objects.visible_to(agent).open().overdue(today=TODAY)) == [late]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's plan")
def test_the_inbox_reads_page_ids_from_the_open_tickets_index(agent, request_type):
    # Enough rows that a page (LIMIT 25) read in index order beats any plan that sorts.
    for _ in range(60):
        factories.raw_ticket(request_type=request_type)
    queryset = inbox.apply_filters(inbox.view_queryset(agent, "mon-service"), inbox.InboxFilters(overdue=True))
    with connection.cursor() as cursor:
        # Statistics left by earlier tests must not tip a three-row plan: read the table as it is now.
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.values_list("pk", flat=True)[:25].explain()
    assert "ticket_open_by_deadline" in plan
