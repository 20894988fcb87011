"""Escalation: warned before a target is missed, the supervisor once it is; each step exactly once."""

import datetime
import threading
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from guichet.notifications import registry
from guichet.notifications.heartbeat import run_periodic_jobs
from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.notifications.rendering import render_notification
from guichet.organisation.models import AlertMode, Priority, Role
from guichet.tickets import escalation, services
from guichet.tickets.escalation import escalation_run
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Escalation, EscalationStep, Event, EventKind, TargetKind
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
MINUTE = datetime.timedelta(minutes=1)


def local(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def urgent_ticket(request_type, citizen):
    """Received on Friday evening: first response due Monday 14:00, warned at 11:42; resolution end of Tuesday."""
    request_type.priority = Priority.objects.get(slug="urgente")
    request_type.save()
    with at(local(2026, 3, 6, 19)):
        return factories.make_ticket(request_type=request_type, citizen=citizen)


@pytest.fixture
def supervisor_of(service):
    return factories.AgentFactory(role=Role.SUPERVISOR, services=[service]).user


def alerts(template):
    return Notification.objects.filter(template=template)


def steps(ticket):
    return list(Escalation.objects.filter(ticket=ticket).order_by("pk").values_list("target", "step"))


@pytest.mark.django_db
def test_nothing_happens_before_the_warning(urgent_ticket, agent):
    assert escalation_run(now=urgent_ticket.first_response_warn_at - MINUTE) == 0
    assert not Escalation.objects.exists()


@pytest.mark.django_db
def test_the_warning_alerts_the_service_agents_once_when_nobody_is_assigned(urgent_ticket, agent, other_agent):
    now = urgent_ticket.first_response_warn_at
    assert escalation_run(now=now) == 1
    assert escalation_run(now=now + MINUTE) == 0  # run again: nothing twice
    assert steps(urgent_ticket) == [(TargetKind.FIRST_RESPONSE, EscalationStep.WARNING)]
    assert list(alerts(Template.TARGET_AT_RISK).values_list("recipient", flat=True)) == [agent.email]
    event = Event.objects.get(ticket=urgent_ticket, kind=EventKind.ESCALATED)
    assert event.data == {"target": "first_response", "step": "warning", "due_at": "2026-03-09T13:00:00+00:00"}
    urgent_ticket.refresh_from_db()
    assert urgent_ticket.escalation == EscalationStep.WARNING
    assert urgent_ticket.version == 1  # the clock's doing: an agent's open form stays valid


@pytest.mark.django_db
def test_the_warning_goes_to_the_agent_in_charge_as_they_chose(urgent_ticket, agent, service):
    colleague = factories.AgentFactory(services=[service], alert_mode=AlertMode.DIGEST)
    services.ticket_assign(ticket=urgent_ticket, assignee=colleague.user, actor=agent)
    escalation_run(now=urgent_ticket.first_response_warn_at)
    alert = alerts(Template.TARGET_AT_RISK).get()
    assert alert.recipient == colleague.user.email
    assert alert.status == DeliveryStatus.HELD  # in their daily digest


@pytest.mark.django_db
def test_a_missed_target_alerts_the_services_supervisor_once(urgent_ticket, agent, supervisor_of, supervisor):
    escalation_run(now=urgent_ticket.first_response_warn_at)
    due = urgent_ticket.first_response_due
    assert escalation_run(now=due) == 1
    assert escalation_run(now=due + MINUTE) == 0
    assert steps(urgent_ticket) == [
        (TargetKind.FIRST_RESPONSE, EscalationStep.WARNING),
        (TargetKind.FIRST_RESPONSE, EscalationStep.MISSED),
    ]
    # The supervisor attached to the service, not every supervisor of the town hall.
    assert list(alerts(Template.TARGET_MISSED).values_list("recipient", flat=True)) == [supervisor_of.email]
    urgent_ticket.refresh_from_db()
    assert urgent_ticket.escalation == EscalationStep.MISSED


@pytest.mark.django_db
def test_without_a_supervisor_in_the_service_every_supervisor_is_alerted(urgent_ticket, agent, supervisor):
    escalation_run(now=urgent_ticket.first_response_due)
    assert list(alerts(Template.TARGET_MISSED).values_list("recipient", flat=True)) == [supervisor.email]


@pytest.mark.django_db
def test_a_ticket_found_already_late_gets_only_the_missed_step(urgent_ticket, agent, supervisor):
    # The workers were stopped all day: the resolution is missed too, each target once.
    assert escalation_run(now=local(2026, 3, 11, 9)) == 2
    assert steps(urgent_ticket) == [
        (TargetKind.FIRST_RESPONSE, EscalationStep.MISSED),
        (TargetKind.RESOLUTION, EscalationStep.MISSED),
    ]
    assert not alerts(Template.TARGET_AT_RISK).exists()


@pytest.mark.django_db
def test_a_first_response_stops_its_escalation_and_clears_the_mark(urgent_ticket, agent):
    escalation_run(now=urgent_ticket.first_response_warn_at)
    with at(urgent_ticket.first_response_warn_at + MINUTE):
        services.message_post_by_agent(ticket=urgent_ticket, agent=agent, body="Nous arrivons.")
    urgent_ticket.refresh_from_db()
    assert urgent_ticket.escalation == ""
    assert escalation_run(now=urgent_ticket.first_response_due) == 0
    assert escalation_run(now=urgent_ticket.resolution_warn_at) == 1  # the resolution still counts
    assert steps(urgent_ticket)[-1] == (TargetKind.RESOLUTION, EscalationStep.WARNING)


@pytest.mark.django_db
def test_a_ticket_waiting_for_the_citizen_is_not_escalated(urgent_ticket, agent):
    with at(local(2026, 3, 9, 9)):
        services.ticket_change_status(ticket=urgent_ticket, to_status=Status.AWAITING_CITIZEN, actor=agent)
    assert escalation_run(now=local(2026, 3, 20, 9)) == 0


@pytest.mark.django_db
def test_a_priority_change_resets_the_steps_for_the_new_targets(urgent_ticket, agent):
    escalation_run(now=urgent_ticket.first_response_due)
    urgent_ticket.refresh_from_db()
    assert urgent_ticket.escalation == EscalationStep.MISSED
    with at(local(2026, 3, 9, 15)):
        services.ticket_change_priority(ticket=urgent_ticket, priority=Priority.objects.get(slug="haute"), actor=agent)
    urgent_ticket.refresh_from_db()
    assert urgent_ticket.escalation == ""  # new targets: end of Monday for the first response
    assert urgent_ticket.first_response_due == local(2026, 3, 10, 0)
    assert escalation_run(now=local(2026, 3, 9, 16, 30)) == 1
    assert steps(urgent_ticket)[-1] == (TargetKind.FIRST_RESPONSE, EscalationStep.WARNING)


@pytest.mark.django_db
def test_the_alert_says_which_target_and_when(urgent_ticket, agent):
    escalation_run(now=urgent_ticket.first_response_warn_at)
    rendered = render_notification(alerts(Template.TARGET_AT_RISK).get())
    assert "Objectif bientôt dépassé : Première réponse" in rendered.subject
    assert "lundi 9 mars 2026 à 14:00" in rendered.text
    assert "Urgente" in rendered.text


@pytest.mark.django_db
def test_every_worker_runs_the_escalation_beside_its_sweep(urgent_ticket, agent):
    assert registry.periodic_jobs()["escalation"] is escalation.escalation_run
    with at(urgent_ticket.first_response_warn_at):
        run_periodic_jobs()
    assert steps(urgent_ticket) == [(TargetKind.FIRST_RESPONSE, EscalationStep.WARNING)]


@pytest.mark.django_db
def test_the_cron_command_escalates_too(urgent_ticket, agent):
    with at(urgent_ticket.first_response_warn_at):
        call_command("escalate_tickets", verbosity=0)
    assert len(steps(urgent_ticket)) == 1


@pytest.mark.django_db
def test_a_step_taken_already_is_not_taken_again_by_a_late_worker(urgent_ticket, agent):
    now = urgent_ticket.first_response_warn_at
    assert services.ticket_escalate(
        ticket_id=urgent_ticket.pk, target=TargetKind.FIRST_RESPONSE, step="warning", now=now
    )
    # A second worker that read the ticket before the first one committed tries the same step.
    assert not services.ticket_escalate(
        ticket_id=urgent_ticket.pk, target=TargetKind.FIRST_RESPONSE, step="warning", now=now
    )
    assert Event.objects.filter(kind=EventKind.ESCALATED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_take_each_step_once(request_type, citizen, service):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks its tables across threads: PostgreSQL runs it")
    factories.AgentFactory(services=[service])
    factories.default_priorities()
    request_type.priority = Priority.objects.get(slug="urgente")
    request_type.save()
    with at(local(2026, 3, 6, 19)):
        tickets = [factories.make_ticket(request_type=request_type, citizen=citizen) for _ in range(5)]
    now = tickets[0].first_response_warn_at
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            escalation_run(now=now)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Escalation.objects.count() == 5
    assert Event.objects.filter(kind=EventKind.ESCALATED).count() == 5
    assert alerts(Template.TARGET_AT_RISK).count() == 5
