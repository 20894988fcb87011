"""The tickets' invariants are the database's: a row that breaks one is refused, whoever writes it."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guichet.lib import references
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import AccessCode, AuthorKind, Event, EventKind, Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def refused(queryset, **changes) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_an_ended_ticket_needs_closed_at(ticket, status):
    rows = Ticket.objects.filter(pk=ticket.pk)
    assert refused(rows, status=status, closed_at=None)
    assert not refused(rows, status=status, closed_at=timezone.now())


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.ANSWERED])
def test_a_ticket_that_has_not_ended_has_no_closed_at(ticket, status):
    rows = Ticket.objects.filter(pk=ticket.pk)
    assert refused(rows, status=status, closed_at=timezone.now())
    assert not refused(rows, status=status, closed_at=None)


def test_closing_and_reopening_through_the_services_keep_the_invariant(ticket, agent):
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    ticket.refresh_from_db()
    assert ticket.closed_at == ticket.status_changed_at
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    ticket.refresh_from_db()
    assert ticket.closed_at is None


def test_version_starts_at_1(ticket):
    rows = Ticket.objects.filter(pk=ticket.pk)
    assert refused(rows, version=0)
    assert not refused(rows, version=1)


def test_status_and_channel_are_known_values(ticket):
    rows = Ticket.objects.filter(pk=ticket.pk)
    assert refused(rows, status="closd")
    assert refused(rows, channel="fax")


def test_the_system_writes_on_nobodys_behalf(ticket, agent):
    message = Message.objects.create(ticket=ticket, author_kind=AuthorKind.AGENT, author=agent, channel="", body="Vu")
    event = Event.objects.filter(ticket=ticket).first()
    assert refused(Message.objects.filter(pk=message.pk), author_kind=AuthorKind.SYSTEM)
    assert refused(Message.objects.filter(pk=message.pk), author_kind="robot")
    assert refused(Event.objects.filter(pk=event.pk), actor_kind=AuthorKind.SYSTEM, actor=agent)
    assert not refused(Event.objects.filter(pk=event.pk), actor_kind=AuthorKind.SYSTEM, actor=None)


def test_an_access_code_expires_after_it_is_made_and_counts_attempts_from_0(ticket):
    now = timezone.now()
    code = AccessCode.objects.create(ticket=ticket, code_hash="x" * 64, expires_at=now + datetime.timedelta(minutes=5))
    rows = AccessCode.objects.filter(pk=code.pk)
    assert refused(rows, expires_at=code.created_at)
    assert refused(rows, attempts=-1)
    assert not refused(rows, attempts=0)


def test_a_violating_row_is_refused_on_insert_too(request_type):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.raw_ticket(request_type=request_type, status=Status.CLOSED, closed_at=None)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_rows_written_before_the_constraints(request_type, agent):
    """Rows from before 0011 are brought within the invariants instead of failing the upgrade."""
    executor = MigrationExecutor(connection)
    [target] = [key for key in executor.loader.graph.nodes if key[0] == "tickets" and key[1].endswith("_invariants")]
    [before] = [parent.key for parent in executor.loader.graph.node_map[target].parents if parent.key[0] == "tickets"]
    executor.migrate([before])
    try:
        _write_rows_then_migrate(request_type, agent, [before], target)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _write_rows_then_migrate(request_type, agent, before, target) -> None:
    # The rows are written through the models as they were before the migration: today's models may
    # have columns that a database at ``before`` does not have yet.
    old = MigrationExecutor(connection).loader.project_state(before).apps
    OldTicket, OldEvent, OldAccessCode = (old.get_model("tickets", name) for name in ("Ticket", "Event", "AccessCode"))

    def old_ticket(**kwargs):
        return OldTicket.objects.create(
            reference=references.generate(),
            request_type_id=request_type.pk,
            service_id=request_type.service_id,
            channel=Channel.WEB,
            subject=request_type.name,
            due_date=timezone.localdate(),
            **kwargs,
        )

    ended = old_ticket(status=Status.REJECTED, closed_at=None, version=0)
    reopened = old_ticket(closed_at=timezone.now())
    event = OldEvent.objects.create(
        ticket_id=reopened.pk, kind=EventKind.ASSIGNED, actor_kind=AuthorKind.SYSTEM, actor_id=agent.pk
    )
    stillborn = OldAccessCode.objects.create(ticket_id=reopened.pk, code_hash="y" * 64, expires_at=timezone.now())
    OldAccessCode.objects.filter(pk=stillborn.pk).update(created_at=stillborn.expires_at)

    MigrationExecutor(connection).migrate([target])

    new = MigrationExecutor(connection).loader.project_state(target).apps
    NewTicket, NewEvent = new.get_model("tickets", "Ticket"), new.get_model("tickets", "Event")
    ended = NewTicket.objects.get(pk=ended.pk)
    reopened = NewTicket.objects.get(pk=reopened.pk)
    event = NewEvent.objects.get(pk=event.pk)
    assert ended.closed_at == ended.status_changed_at and ended.version == 1
    assert reopened.closed_at is None
    assert (event.actor_kind, event.actor_id) == (AuthorKind.AGENT, agent.pk)
    assert not new.get_model("tickets", "AccessCode").objects.filter(pk=stillborn.pk).exists()
    assert refused(NewTicket.objects.filter(pk=ended.pk), closed_at=None)
