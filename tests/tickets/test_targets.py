"""Priorities and their targets on the ticket: computed at receipt, paused, recomputed (frozen clock)."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from guichet.organisation.models import ClosureDay, Commune, Priority, TargetUnit
from guichet.tickets import escalation, services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind
from guichet.tickets.templatetags.targets import due_moment
from tests import factories
from tests.conftest import queued_tasks

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
D = datetime.date


def local(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def urgent(db):
    return Priority.objects.get(slug="urgente")  # seeded: first response 4 working hours, resolution 2 days


@pytest.fixture
def hourly(db):
    return Priority.objects.create(
        name="Sécurité",
        slug="securite",
        order=40,
        first_response_target=2,
        first_response_unit=TargetUnit.WORKING_HOURS,
        resolution_target=8,
        resolution_unit=TargetUnit.WORKING_HOURS,
    )


def test_the_default_priorities_are_seeded_with_normale_by_default():
    assert list(Priority.objects.values_list("slug", flat=True)) == ["normale", "haute", "urgente"]
    assert Priority.default().slug == "normale"


def test_a_type_without_priority_gets_the_default_one_and_keeps_its_own_deadline(request_type, citizen):
    request_type.deadline_days = 10
    request_type.save()
    with at(local(2026, 3, 2, 10)):  # a Monday
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.priority.slug == "normale"
    assert ticket.due_date == D(2026, 3, 16)  # the type's 10 working days, as before priorities
    assert ticket.resolution_due == local(2026, 3, 17, 0)  # met until the end of the due date
    assert ticket.first_response_due == local(2026, 3, 5, 0)  # 2 working days: Tuesday and Wednesday


def test_a_friday_evening_urgent_request_is_due_on_monday_afternoon(request_type, citizen, urgent):
    request_type.priority = urgent
    request_type.save()
    with at(local(2026, 3, 6, 19)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.first_response_due == local(2026, 3, 9, 14)  # 4 h from Monday's 8:30, lunch skipped
    assert ticket.resolution_due == local(2026, 3, 11, 0)  # 2 working days: Monday and Tuesday
    assert ticket.due_date == D(2026, 3, 10)
    # Warned with 20 % of the target left: 48 minutes of opening hours before it, lunch skipped.
    assert ticket.first_response_warn_at == local(2026, 3, 9, 11, 42)


def test_the_fourteenth_of_july_and_the_eighth_of_may_push_targets(request_type, citizen, hourly):
    request_type.priority = hourly
    request_type.save()
    with at(local(2026, 7, 13, 16, 30)):
        july = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert july.first_response_due == local(2026, 7, 15, 9, 30)  # 1 h on Monday, 14 July off, 1 h on Wednesday
    with at(local(2026, 5, 7, 17)):
        may = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert may.first_response_due == local(2026, 5, 11, 10)  # Friday 8 May off, then the weekend


@pytest.mark.parametrize(("subdivision", "due"), [("", local(2026, 4, 3, 10)), ("57", local(2026, 4, 7, 10))])
def test_good_friday_counts_only_in_moselle(request_type, citizen, hourly, commune, subdivision, due):
    commune.holiday_subdivision = subdivision
    commune.save()
    request_type.priority = hourly
    request_type.save()
    with at(local(2026, 4, 2, 17)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.first_response_due == due  # Easter Monday is off everywhere


@pytest.mark.parametrize(("subdivision", "due"), [("", local(2025, 12, 26, 10)), ("57", local(2025, 12, 29, 10))])
def test_saint_stephens_day_counts_only_in_moselle(request_type, citizen, hourly, commune, subdivision, due):
    commune.holiday_subdivision = subdivision
    commune.save()
    request_type.priority = hourly
    request_type.save()
    with at(local(2025, 12, 24, 17)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.first_response_due == due


def test_waiting_for_the_citizen_pauses_the_hourly_targets(request_type, citizen, agent, hourly):
    request_type.priority = hourly
    request_type.save()
    with at(local(2026, 3, 9, 9)):  # Monday 9:00: resolution in 8 working hours, Tuesday 9:30
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.resolution_due == local(2026, 3, 10, 9, 30)
    with at(local(2026, 3, 9, 10)):
        services.message_post_by_agent(
            ticket=ticket, agent=agent, body="Une photo ?", new_status=Status.AWAITING_CITIZEN
        )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == local(2026, 3, 9, 10)  # asking for information is a first response
    with at(local(2026, 3, 10, 10)):  # a day later: 7 h 30 of opening hours waited
        services.message_post_by_citizen(ticket=ticket, body="La voici", channel="web")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.target_paused_seconds == 7.5 * 3600
    assert ticket.resolution_due == local(2026, 3, 11, 9, 30)  # Tuesday 9:30 + 7 h 30 of opening hours
    assert ticket.due_date == D(2026, 3, 11)


def test_a_same_day_wait_moves_no_target_in_days(request_type, citizen, agent):
    with at(local(2026, 3, 2, 9)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
        services.message_post_by_agent(ticket=ticket, agent=agent, body="?", new_status=Status.AWAITING_CITIZEN)
    due = ticket.resolution_due
    with at(local(2026, 3, 2, 17)):
        services.message_post_by_citizen(ticket=ticket, body="!", channel="web")
    ticket.refresh_from_db()
    assert ticket.resolution_due == due


def test_an_agent_changes_the_priority_and_the_targets_follow(request_type, citizen, agent, urgent):
    with at(local(2026, 3, 6, 19)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    version = ticket.version
    with at(local(2026, 3, 9, 9)):
        services.ticket_change_priority(ticket=ticket, priority=urgent, actor=agent, expected_version=version)
    ticket.refresh_from_db()
    assert ticket.priority == urgent
    assert ticket.version == version + 1
    assert ticket.first_response_due == local(2026, 3, 9, 14)  # from the receipt, not from the change
    event = Event.objects.get(ticket=ticket, kind=EventKind.PRIORITY_CHANGED)
    assert event.actor == agent
    assert event.data["previous"] == "Normale"
    assert event.data["priority"] == "Urgente"


def test_the_same_priority_again_is_refused_in_french(request_type, citizen, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    with pytest.raises(services.ValidationError, match="déjà la priorité"):
        services.ticket_change_priority(ticket=ticket, priority=ticket.priority, actor=agent)


def test_a_closure_day_added_later_moves_the_open_tickets_targets_only(request_type, citizen, agent):
    request_type.deadline_days = 3
    request_type.save()
    with at(local(2026, 3, 9, 10)):
        open_ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
        closed = factories.make_ticket(request_type=request_type, citizen=citizen)
        services.ticket_change_status(ticket=closed, to_status=Status.REJECTED, actor=agent)
    closed.refresh_from_db()
    assert open_ticket.due_date == D(2026, 3, 12)
    ClosureDay.objects.create(date=D(2026, 3, 11), label="Pont")
    assert services.tickets_targets_recompute() == 1
    open_ticket.refresh_from_db()
    assert open_ticket.due_date == D(2026, 3, 13)
    assert open_ticket.resolution_due == local(2026, 3, 14, 0)
    assert closed.due_date == type(closed).objects.get(pk=closed.pk).due_date == D(2026, 3, 12)


def test_a_priority_whose_targets_change_moves_its_open_tickets(request_type, citizen, urgent):
    request_type.priority = urgent
    request_type.save()
    with at(local(2026, 3, 6, 19)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    urgent.first_response_target = 2
    urgent.save()
    services.tickets_targets_recompute(batch_size=1)
    ticket.refresh_from_db()
    assert ticket.first_response_due == local(2026, 3, 9, 10, 30)


def test_changing_opening_hours_or_closures_in_the_admin_queues_the_recomputation(admin_client, commune):
    admin_client.post("/admin/organisation/closureday/add/", {"date": "2026-03-11", "label": "Pont"}, follow=True)
    assert ClosureDay.objects.filter(date=D(2026, 3, 11)).exists()
    assert queued_tasks() == ["targets_recompute"]
    assert escalation.targets_recompute.module_path == "guichet.tickets.escalation.targets_recompute"


def test_tickets_older_than_priorities_keep_their_due_date(request_type):
    old = factories.raw_ticket(request_type=request_type, due_date=D(2026, 3, 20))
    assert services.tickets_targets_recompute() == 0
    old.refresh_from_db()
    assert old.due_date == D(2026, 3, 20) and old.resolution_due is None


def test_the_warning_threshold_is_the_communes(request_type, citizen, urgent, commune):
    commune.escalation_warning_percent = 50
    commune.save()
    Commune.forget_cached()
    request_type.priority = urgent
    request_type.save()
    with at(local(2026, 3, 6, 19)):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.first_response_warn_at == local(2026, 3, 9, 10, 30)  # 2 of the 4 hours left


def test_a_due_moment_reads_as_a_last_day_or_an_hour():
    assert due_moment(local(2026, 3, 17, 0)) == "au plus tard le 16/03/2026"  # a target in days
    assert due_moment(local(2026, 3, 17, 0), "long") == "au plus tard le lundi 16 mars 2026"
    assert due_moment(local(2026, 3, 9, 14)) == "avant le 09/03/2026 14:00"
    assert due_moment(None) == ""
