"""Drive the real ticket services at chosen moments, for hand-computed statistics."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

from django.db.models import Max

from guichet.tickets import services
from guichet.tickets.facts import facts_build_missing
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Event, Message, Ticket, TicketFacts
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


def paris(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@contextmanager
def at(when: datetime.datetime) -> Iterator[None]:
    """Run the real services as if it were ``when``; the rows they add are dated ``when`` too
    (model defaults hold the original ``timezone.now``, which patching does not reach)."""
    last_event = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    last_message = Message.objects.aggregate(last=Max("pk"))["last"] or 0
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield
    Event.objects.filter(pk__gt=last_event).update(created_at=when)
    Message.objects.filter(pk__gt=last_message).update(created_at=when)


def received(request_type, when: datetime.datetime, **kwargs) -> Ticket:
    """A ticket received at ``when``, and its statistics' facts built as the worker does right after
    (``services.ticket_received``): later changes then update them as they happen."""
    with at(when):
        ticket = factories.make_ticket(request_type=request_type, citizen=None, **kwargs)
    facts_build_missing(TicketFacts, ticket_ids=[ticket.pk])
    return ticket


def reply(ticket: Ticket, agent, when: datetime.datetime, **kwargs) -> None:
    with at(when):
        services.message_post_by_agent(ticket=ticket, agent=agent, body="Réponse de la mairie", **kwargs)


def change(ticket: Ticket, agent, when: datetime.datetime, to_status: str) -> None:
    with at(when):
        services.ticket_change_status(ticket=ticket, to_status=to_status, actor=agent)


def citizen_reply(ticket: Ticket, when: datetime.datetime) -> None:
    with at(when):
        services.message_post_by_citizen(ticket=ticket, body="Voici la précision", channel=Channel.WEB)
