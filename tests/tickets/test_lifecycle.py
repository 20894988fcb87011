import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.notifications.models import Notification, Template
from guichet.tickets import services
from guichet.tickets.exceptions import InvalidTransition, ReplyNotAllowed, StaleTicket
from guichet.tickets.lifecycle import TRANSITIONS, Channel, Status, can_transition
from guichet.tickets.models import Event, EventKind, Message, Ticket, Visibility
from tests import factories
from tests.conftest import queued_tasks

pytestmark = pytest.mark.django_db


def test_every_status_has_its_transitions_and_none_loops_on_itself():
    assert set(TRANSITIONS) == set(Status.values)
    for source, targets in TRANSITIONS.items():
        assert source not in targets


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (Status.RECEIVED, Status.IN_PROGRESS, True),
        (Status.IN_PROGRESS, Status.AWAITING_CITIZEN, True),
        (Status.AWAITING_CITIZEN, Status.IN_PROGRESS, True),
        (Status.IN_PROGRESS, Status.ANSWERED, True),
        (Status.ANSWERED, Status.CLOSED, True),
        (Status.CLOSED, Status.IN_PROGRESS, True),
        (Status.IN_PROGRESS, Status.REJECTED, True),
        (Status.RECEIVED, Status.CLOSED, False),
        (Status.CLOSED, Status.ANSWERED, False),
        (Status.REJECTED, Status.CLOSED, False),
    ],
)
def test_transition_table(source, target, allowed):
    assert can_transition(source, target) is allowed


def test_create_records_event_due_date_and_queues_acknowledgement(ticket):
    assert ticket.status == Status.RECEIVED
    assert len(ticket.reference) == 9
    assert ticket.due_date > timezone.localdate()
    event = Event.objects.get(ticket=ticket)
    assert (event.kind, event.to_status, event.channel, event.actor_kind) == (
        EventKind.CREATED,
        Status.RECEIVED,
        Channel.WEB,
        "citizen",
    )
    notification = Notification.objects.get(ticket=ticket)
    assert (notification.template, notification.channel, notification.recipient) == (
        Template.ACKNOWLEDGEMENT,
        "email",
        ticket.citizen.email,
    )
    assert queued_tasks() == ["ticket_received"]


def test_create_is_atomic_a_failure_leaves_nothing(request_type, citizen):
    with mock.patch("guichet.tickets.services.notify_citizen", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            factories.make_ticket(request_type=request_type, citizen=citizen)
    assert Ticket.objects.count() == 0
    assert Event.objects.count() == 0
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_due_date_counts_working_days_only(request_type, citizen):
    request_type.deadline_days = 1
    request_type.save()
    friday_before_ascension_week = datetime.datetime(2026, 5, 13, 10, tzinfo=datetime.UTC)  # a Wednesday
    with mock.patch("django.utils.timezone.now", return_value=friday_before_ascension_week):
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert ticket.due_date == datetime.date(2026, 5, 15)  # Thursday 14 is Ascension


def test_agent_status_change_writes_event_and_notifies_on_answered(ticket, agent):
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.ANSWERED
    changes = list(
        Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).values_list("from_status", "to_status")
    )
    assert changes == [(Status.RECEIVED, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.ANSWERED)]
    templates = list(Notification.objects.filter(ticket=ticket).values_list("template", flat=True))
    # Answered: the citizen is told, and invited to give their opinion.
    assert sorted(templates) == sorted([Template.ACKNOWLEDGEMENT, Template.STATUS_CHANGED, Template.SURVEY])


def test_forbidden_transition_is_refused_with_a_french_message(ticket, agent):
    with pytest.raises(InvalidTransition, match="ne peut pas passer à « Clôturée »"):
        services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED
    assert not Event.objects.filter(kind=EventKind.STATUS_CHANGED).exists()


def test_stale_version_is_refused(ticket, agent):
    version = ticket.version
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent, expected_version=version)
    with pytest.raises(StaleTicket):
        services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent, expected_version=version)


def test_agent_request_for_information_waits_for_citizen_and_notifies(ticket, agent):
    message = services.message_post_by_agent(
        ticket=ticket, agent=agent, body="Pouvez-vous préciser le numéro ?", new_status=Status.AWAITING_CITIZEN
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CITIZEN
    assert message.visibility == Visibility.PUBLIC
    assert Notification.objects.filter(ticket=ticket, template=Template.INFO_REQUESTED).count() == 1


def test_internal_note_is_never_notified_nor_public(ticket, agent):
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Voir avec l'équipe nuit", internal=True)
    note = Message.objects.get(ticket=ticket)
    assert note.visibility == Visibility.INTERNAL
    assert Event.objects.filter(ticket=ticket, kind=EventKind.INTERNAL_NOTE).exists()
    assert not Notification.objects.filter(ticket=ticket).exclude(template=Template.ACKNOWLEDGEMENT).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_first_public_reply_puts_a_received_ticket_in_progress(ticket, agent):
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Nous regardons.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Notification.objects.filter(ticket=ticket, template=Template.AGENT_REPLY).count() == 1


@pytest.mark.parametrize("status", [Status.AWAITING_CITIZEN, Status.ANSWERED, Status.CLOSED])
def test_citizen_reply_reopens_a_ticket_waiting_answered_or_recently_closed(ticket, status, agent):
    closed_at = timezone.now() if status == Status.CLOSED else None
    Ticket.objects.filter(pk=ticket.pk).update(status=status, closed_at=closed_at)
    ticket.refresh_from_db()
    services.message_post_by_citizen(ticket=ticket, body="Voici la précision.", channel=Channel.WEB)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.closed_at is None
    reopen = Event.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    assert (reopen.from_status, reopen.to_status, reopen.actor_kind) == (status, Status.IN_PROGRESS, "citizen")


def test_citizen_reply_alerts_the_agent_in_charge(ticket, agent):
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    services.message_post_by_citizen(ticket=ticket, body="Bonjour", channel=Channel.WEB)
    alert = Notification.objects.get(template=Template.CITIZEN_REPLIED)
    assert alert.recipient == agent.email


def test_citizen_reply_without_assignee_alerts_the_service(ticket):
    services.message_post_by_citizen(ticket=ticket, body="Bonjour", channel=Channel.WEB)
    assert Notification.objects.get(template=Template.CITIZEN_REPLIED).recipient == ticket.service.email


def test_citizen_reply_on_a_ticket_in_progress_keeps_status(ticket, agent):
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    services.message_post_by_citizen(ticket=ticket, body="Une précision", channel=Channel.WEB)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Event.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).count() == 1


def test_citizen_cannot_reopen_after_the_delay_or_a_rejected_ticket(ticket, commune):
    long_ago = timezone.now() - datetime.timedelta(days=commune.reopen_delay_days + 1)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=long_ago)
    ticket.refresh_from_db()
    with pytest.raises(ReplyNotAllowed):
        services.message_post_by_citizen(ticket=ticket, body="Encore moi", channel=Channel.WEB)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.REJECTED, closed_at=timezone.now())
    ticket.refresh_from_db()
    with pytest.raises(ReplyNotAllowed):
        services.message_post_by_citizen(ticket=ticket, body="Encore moi", channel=Channel.WEB)
    assert not Message.objects.filter(ticket=ticket).exists()


def test_assign_refuses_an_agent_of_another_service(ticket, agent, other_agent, supervisor):
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, assignee=other_agent, actor=supervisor)
    services.ticket_assign(ticket=ticket, assignee=agent, actor=supervisor)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert Event.objects.get(ticket=ticket, kind=EventKind.ASSIGNED).data["assignee"] == agent.username


def test_transfer_moves_the_ticket_and_clears_the_assignee(ticket, agent, other_service, supervisor):
    services.ticket_assign(ticket=ticket, assignee=agent, actor=supervisor)
    services.ticket_transfer(ticket=ticket, service=other_service, actor=supervisor, reason="Relève de l'état civil")
    ticket.refresh_from_db()
    assert (ticket.service, ticket.assignee) == (other_service, None)
    event = Event.objects.get(ticket=ticket, kind=EventKind.TRANSFERRED)
    assert event.data["reason"] == "Relève de l'état civil"


def test_each_change_bumps_the_version(ticket, agent):
    start = ticket.version
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Note", internal=True)
    ticket.refresh_from_db()
    assert ticket.version == start + 2
