"""Merging two records of the same person: everything moves to the kept one, in one transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guichet.citizens.models import Citizen
from guichet.citizens.services import citizens_merge
from guichet.tickets import services as ticket_services
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Event, EventKind, Message, Ticket
from guichet.tickets.search import apply_search
from tests import factories
from tests.citizens.conftest import make_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(db):
    return make_citizen(
        "Lefevre", "Helene", email="h.lefevre@example.net", phone="", street="4 place du Marché", city="Olivet"
    )


@pytest.fixture
def keep(db):
    return make_citizen("Lefèvre", "Hélène", phone="06 12 34 56 78")


def test_merge_moves_every_ticket_with_its_thread_and_events_and_deletes_the_other(
    keep, duplicate, request_type, supervisor
):
    own = factories.make_ticket(request_type=request_type, citizen=keep)
    moved = [
        factories.make_ticket(request_type=request_type, citizen=duplicate, channel=channel)
        for channel in (Channel.WEB, Channel.PHONE)
    ]
    ticket_services.message_post_by_citizen(ticket=moved[0], body="Toujours là", channel=Channel.WEB)
    events_before = {t.pk: set(Event.objects.filter(ticket=t).values_list("pk", flat=True)) for t in moved}
    messages_before = set(Message.objects.filter(ticket__in=moved).values_list("pk", flat=True))

    kept = citizens_merge(keep=keep, merge=duplicate, actor=supervisor)

    assert kept.pk == keep.pk
    assert not Citizen.objects.filter(pk=duplicate.pk).exists()
    assert set(Ticket.objects.filter(citizen=keep)) == {own, *moved}
    assert set(Message.objects.filter(ticket__in=moved).values_list("pk", flat=True)) == messages_before
    for ticket in moved:
        events = Event.objects.filter(ticket=ticket)
        assert events_before[ticket.pk] < set(events.values_list("pk", flat=True))
        merged = events.get(kind=EventKind.CITIZEN_MERGED)
        assert merged.actor == supervisor
        assert merged.data["merged_citizen_id"] == duplicate.pk
        assert merged.data["merged_citizen"] == "Helene Lefevre"
        assert merged.data["actor"] == supervisor.get_full_name()
    assert not Event.objects.filter(ticket=own, kind=EventKind.CITIZEN_MERGED).exists()


def test_merge_fills_the_empty_fields_and_keeps_the_differing_values_in_the_events(
    keep, duplicate, request_type, supervisor
):
    moved = factories.make_ticket(request_type=request_type, citizen=duplicate)
    citizens_merge(keep=keep, merge=duplicate, actor=supervisor)
    keep.refresh_from_db()
    assert keep.email == "h.lefevre@example.net"  # was empty
    assert keep.phone == "+33612345678"  # kept
    assert (keep.street, keep.city) == ("4 place du Marché", "Olivet")
    assert (keep.first_name, keep.last_name) == ("Hélène", "Lefèvre")
    assert "h.lefevre@example.net" in keep.search_text and "olivet" in keep.search_text
    event = Event.objects.get(ticket=moved, kind=EventKind.CITIZEN_MERGED)
    assert event.data["discarded"] == {"first_name": "Helene", "last_name": "Lefevre"}


def test_moved_tickets_are_found_by_the_kept_citizens_contact(keep, duplicate, request_type, supervisor):
    moved = factories.make_ticket(request_type=request_type, citizen=duplicate)
    assert moved not in apply_search(Ticket.objects.all(), "06 12 34 56 78")
    citizens_merge(keep=keep, merge=duplicate, actor=supervisor)
    assert list(apply_search(Ticket.objects.all(), "06 12 34 56 78")) == [moved]


def test_a_record_cannot_be_merged_with_itself(keep, supervisor):
    with pytest.raises(ValidationError):
        citizens_merge(keep=keep, merge=keep, actor=supervisor)
    assert Citizen.objects.filter(pk=keep.pk).exists()


@pytest.mark.parametrize("role", ["service_agent", "reception", "mail_room"])
def test_the_service_refuses_a_merge_by_anyone_but_a_supervisor(keep, duplicate, request_type, role):
    moved = factories.make_ticket(request_type=request_type, citizen=duplicate)
    for actor in (factories.AgentFactory(role=role).user, factories.UserFactory()):
        with pytest.raises(PermissionDenied):
            citizens_merge(keep=keep, merge=duplicate, actor=actor)
    moved.refresh_from_db()
    assert moved.citizen_id == duplicate.pk
    assert Citizen.objects.filter(pk=duplicate.pk).exists()
    assert not Event.objects.filter(kind=EventKind.CITIZEN_MERGED).exists()


def test_a_failed_merge_changes_nothing(keep, duplicate, request_type, supervisor, monkeypatch):
    moved = factories.make_ticket(request_type=request_type, citizen=duplicate)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Event.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        citizens_merge(keep=keep, merge=duplicate, actor=supervisor)
    moved.refresh_from_db()
    assert moved.citizen_id == duplicate.pk
    assert Citizen.objects.filter(pk=duplicate.pk).exists()
