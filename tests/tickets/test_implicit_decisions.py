"""The implicit-decision clock on tickets: set at creation, suspended for missing documents (L114-5), recorded
exactly once when the delay ends without an express answer, agents warned before. The clock is frozen by
replacing ``django.utils.timezone.now`` (every service reads the time through it)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guichet.catalogue.models import LegalRegime
from guichet.notifications import registry
from guichet.notifications.daily import daily_tasks_enqueue
from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.organisation.models import AlertMode, ClosureDay, Commune
from guichet.tickets import selectors, services
from guichet.tickets.exceptions import InvalidTransition
from guichet.tickets.implicit import implicit_decisions_daily, implicit_decisions_run
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import AuthorKind, Decision, DocumentRequest, EventKind, Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
PARIS = ZoneInfo("Europe/Paris")


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.moment = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.moment)

    def set(self, day: D, hour: int = 10) -> None:
        self.moment = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def sva(service, commune):
    return factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVA, name="Occupation du domaine public"
    )


@pytest.fixture
def svr(service, commune):
    return factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR, name="Réclamation")


def received(request_type, day: D, clock: Clock, **kwargs) -> Ticket:
    clock.set(day)
    return factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(), **kwargs)


# At creation, for every channel -------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_gets_the_date_from_the_receipt_of_the_request(sva, clock, channel):
    ticket = received(sva, D(2026, 1, 31), clock, channel=channel)
    assert ticket.implicit_decision_on == D(2026, 3, 31)


def test_a_report_has_no_implicit_decision(request_type, clock):
    assert received(request_type, D(2026, 1, 31), clock).implicit_decision_on is None


def test_a_letter_counts_from_its_receipt_not_its_scan(sva, clock):
    clock.set(D(2026, 2, 10))
    letter = datetime.datetime(2026, 1, 31, 9, tzinfo=PARIS)
    ticket = factories.make_ticket(request_type=sva, citizen=None, channel=Channel.MAIL, received_at=letter)
    assert ticket.implicit_decision_on == D(2026, 3, 31)  # not from 10 February, when it was scanned


def test_month_ends_leap_years_and_day_delays(service, commune, clock):
    one_month = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA, implicit_decision_months=1)
    days = factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVR, implicit_decision_months=0, implicit_decision_days=15
    )
    assert received(one_month, D(2026, 1, 31), clock).implicit_decision_on == D(2026, 2, 28)
    assert received(one_month, D(2028, 1, 31), clock).implicit_decision_on == D(2028, 2, 29)
    assert received(one_month, D(2026, 8, 31), clock).implicit_decision_on == D(2026, 9, 30)
    assert received(days, D(2026, 3, 3), clock).implicit_decision_on == D(2026, 3, 18)


def test_holidays_and_closures_do_not_move_the_date(sva, clock):
    ClosureDay.objects.create(date=D(2026, 7, 13), label="Pont")
    Commune.forget_cached()
    ticket = received(sva, D(2026, 5, 14), clock)
    assert ticket.implicit_decision_on == D(2026, 7, 14)


# Missing documents (L114-5) ------------------------------------------------------------------------------------


def test_asking_for_documents_suspends_an_acceptance_and_tells_the_citizen(sva, agent, clock):
    ticket = received(sva, D(2026, 2, 2), clock)
    clock.set(D(2026, 3, 2))
    request = services.documents_request(
        ticket=ticket, agent=agent, items=["Plan de situation", "Attestation d'assurance"], deadline=D(2026, 3, 17)
    )
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on is None
    assert ticket.status == Status.AWAITING_CITIZEN
    assert request.suspended_decision_on == D(2026, 4, 2)
    assert "Plan de situation" in request.message.body and "17 mars 2026" in request.message.body
    assert "L114-5" in request.message.body
    assert Notification.objects.filter(ticket=ticket, template=Template.INFO_REQUESTED).exists()
    event = ticket.events.get(kind=EventKind.DOCUMENTS_REQUESTED)
    assert event.data["items"] == ["Plan de situation", "Attestation d'assurance"]
    assert event.data["suspended_date"] == "2026-04-02"


def test_documents_received_restart_an_acceptance_delay_in_full(sva, agent, clock):
    ticket = received(sva, D(2026, 2, 2), clock)
    clock.set(D(2026, 3, 2))
    services.documents_request(ticket=ticket, agent=agent, items=["Plan"], deadline=D(2026, 3, 17))
    clock.set(D(2026, 3, 20))
    services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 3, 18))
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on == D(2026, 5, 18)  # two months from the receipt of the documents
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.events.get(kind=EventKind.DOCUMENTS_RECEIVED).data["implicit_decision_on"] == "2026-05-18"
    told = Message.objects.filter(ticket=ticket, body__contains="18 mai 2026").get()
    assert Notification.objects.filter(ticket=ticket, template=Template.AGENT_REPLY, context__message_id=told.pk)
    assert not DocumentRequest.objects.filter(ticket=ticket, completed_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        (D(2026, 3, 10), D(2026, 4, 10)),  # 8 days suspended: the suspension ends with the documents
        (D(2026, 3, 20), D(2026, 4, 17)),  # late: the suspension ended at the deadline (15 days)
    ],
)
def test_a_rejection_delay_is_only_suspended(svr, agent, clock, received_on, expected):
    ticket = received(svr, D(2026, 2, 2), clock)
    clock.set(D(2026, 3, 2))
    services.documents_request(ticket=ticket, agent=agent, items=["Justificatif"], deadline=D(2026, 3, 17))
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on == D(2026, 4, 17)  # if they come at the deadline
    clock.set(D(2026, 3, 25))
    services.documents_received(ticket=ticket, agent=agent, received_on=received_on)
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on == expected


def test_documents_requests_refuse_bad_input(sva, agent, clock):
    ticket = received(sva, D(2026, 2, 2), clock)
    with pytest.raises(ValidationError):
        services.documents_request(ticket=ticket, agent=agent, items=[" "], deadline=D(2026, 3, 1))
    with pytest.raises(ValidationError):
        services.documents_request(ticket=ticket, agent=agent, items=["Plan"], deadline=D(2026, 2, 2))
    services.documents_request(ticket=ticket, agent=agent, items=["Plan"], deadline=D(2026, 3, 1))
    with pytest.raises(InvalidTransition):
        services.documents_request(ticket=ticket, agent=agent, items=["Autre"], deadline=D(2026, 3, 1))
    with pytest.raises(ValidationError):  # before the request was made
        services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 2, 1))
    with pytest.raises(ValidationError):  # in the future
        services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 2, 3))
    services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 2, 2))
    with pytest.raises(InvalidTransition):
        services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 2, 2))


# The silence decides ---------------------------------------------------------------------------------------------


def test_an_acceptance_is_recorded_once_the_day_after_the_date(sva, clock):
    ticket = received(sva, D(2026, 3, 15), clock)
    assert implicit_decisions_run(today=D(2026, 5, 15)).decided == 0  # the commune may still answer that day
    clock.set(D(2026, 5, 16), hour=0)
    assert implicit_decisions_run(today=D(2026, 5, 16)).decided == 1
    assert implicit_decisions_run(today=D(2026, 5, 16)).decided == 0
    assert implicit_decisions_run(today=D(2026, 5, 17)).decided == 0
    assert services.implicit_decision_record(ticket_id=ticket.pk, today=D(2026, 5, 18)) is None
    ticket.refresh_from_db()
    assert ticket.decision == Decision.IMPLICIT_ACCEPTANCE
    assert ticket.status == Status.ANSWERED
    assert ticket.events.filter(kind=EventKind.IMPLICIT_ACCEPTANCE).count() == 1
    system = ticket.messages.get(author_kind=AuthorKind.SYSTEM)
    assert "ACCEPTÉE" in system.body and "L232-3" in system.body and "15 mai 2026" in system.body
    assert Notification.objects.filter(ticket=ticket, template=Template.IMPLICIT_DECISION).count() == 1


def test_the_workers_queue_the_clock_once_a_day_and_it_decides(sva, clock):
    ticket = received(sva, D(2026, 3, 15), clock)
    clock.set(D(2026, 5, 16), hour=0)
    assert implicit_decisions_daily.module_path in [task.module_path for task in registry.daily_tasks()]
    assert implicit_decisions_daily.module_path in daily_tasks_enqueue(now=timezone.now())
    assert implicit_decisions_daily.module_path not in daily_tasks_enqueue(now=timezone.now())  # once a day
    assert implicit_decisions_daily.call().startswith("1 implicit decision(s) recorded")
    ticket.refresh_from_db()
    assert ticket.decision == Decision.IMPLICIT_ACCEPTANCE


def test_a_rejection_tells_the_appeal_routes_and_delays(svr, clock):
    ticket = received(svr, D(2026, 4, 23), clock)
    clock.set(D(2026, 6, 24))
    implicit_decisions_run(today=D(2026, 6, 24))
    ticket.refresh_from_db()
    assert ticket.decision == Decision.IMPLICIT_REJECTION
    assert ticket.events.filter(kind=EventKind.IMPLICIT_REJECTION).count() == 1
    body = ticket.messages.get(author_kind=AuthorKind.SYSTEM).body
    for text in ("REJETÉE", "recours gracieux", "hiérarchique", "tribunal administratif", "24 août 2026", "L232-4"):
        assert text in body


def test_an_express_answer_before_the_date_stops_the_clock(sva, agent, clock):
    ticket = received(sva, D(2026, 3, 15), clock)
    clock.set(D(2026, 4, 1))
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Accordé.", new_status=Status.ANSWERED)
    ticket.refresh_from_db()
    assert ticket.decision == Decision.EXPRESS
    services.message_post_by_citizen(ticket=ticket, body="Merci, une question encore", channel=Channel.WEB)
    assert implicit_decisions_run(today=D(2026, 6, 1)).decided == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.decision == Decision.EXPRESS


def test_a_suspended_acceptance_never_decides(sva, agent, clock):
    ticket = received(sva, D(2026, 1, 5), clock)
    clock.set(D(2026, 1, 6))
    services.documents_request(ticket=ticket, agent=agent, items=["Plan"], deadline=D(2026, 1, 20))
    assert implicit_decisions_run(today=D(2026, 12, 1)).decided == 0


def test_a_ticket_closed_meanwhile_is_left_alone(sva, agent, clock):
    ticket = received(sva, D(2026, 3, 15), clock)
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent, reason="Doublon")
    assert services.implicit_decision_record(ticket_id=ticket.pk, today=D(2026, 6, 1)) is None


# Agents are warned before -------------------------------------------------------------------------------------


def test_agents_are_warned_once_five_working_days_before(sva, agent, clock):
    ticket = received(sva, D(2026, 3, 13), clock)  # decision at the end of Wednesday 13 May 2026
    # Five working days before, 8 May (a holiday) skipped: from Tuesday 5 May.
    assert implicit_decisions_run(today=D(2026, 5, 4)).warned == 0
    assert selectors.implicit_decisions_to_warn(D(2026, 5, 5)) == [ticket.pk]
    assert implicit_decisions_run(today=D(2026, 5, 5)).warned == 1
    assert implicit_decisions_run(today=D(2026, 5, 6)).warned == 0
    alert = Notification.objects.get(ticket=ticket, template=Template.IMPLICIT_DECISION_NEAR)
    assert alert.recipient == agent.email and alert.status == DeliveryStatus.PENDING
    assert ticket.events.get(kind=EventKind.IMPLICIT_DECISION_NEAR).data["decision_on"] == "2026-05-13"


def test_the_warning_goes_to_the_assignee_and_follows_their_digest_choice(sva, agent, clock):
    agent.agent.alert_mode = AlertMode.DIGEST
    agent.agent.save()
    colleague = factories.AgentFactory(services=[sva.service]).user
    ticket = received(sva, D(2026, 3, 13), clock)
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    implicit_decisions_run(today=D(2026, 5, 12))
    alerts = Notification.objects.filter(ticket=ticket, template=Template.IMPLICIT_DECISION_NEAR)
    assert [(a.recipient, a.status) for a in alerts] == [(agent.email, DeliveryStatus.HELD)]
    assert colleague.email not in [a.recipient for a in alerts]


def test_a_date_moved_by_missing_documents_is_warned_about_again(svr, agent, clock):
    ticket = received(svr, D(2026, 3, 13), clock)
    clock.set(D(2026, 5, 11))
    assert implicit_decisions_run(today=D(2026, 5, 11)).warned == 1
    services.documents_request(ticket=ticket, agent=agent, items=["Justificatif"], deadline=D(2026, 5, 20))
    clock.set(D(2026, 5, 12))
    services.documents_received(ticket=ticket, agent=agent, received_on=D(2026, 5, 12))
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on == D(2026, 5, 14)
    assert implicit_decisions_run(today=D(2026, 5, 12)).warned == 1
    assert ticket.events.filter(kind=EventKind.IMPLICIT_DECISION_NEAR).count() == 2


def test_the_warning_delay_is_the_communes_setting(sva, clock):
    commune = Commune.current()
    commune.implicit_decision_warning_days = 0
    commune.save()
    ticket = received(sva, D(2026, 3, 13), clock)
    assert implicit_decisions_run(today=D(2026, 5, 12)).warned == 0
    assert implicit_decisions_run(today=D(2026, 5, 13)).warned == 1
    assert ticket.events.filter(kind=EventKind.IMPLICIT_DECISION_NEAR).count() == 1
