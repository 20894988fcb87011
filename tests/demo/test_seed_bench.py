import io
import itertools
from collections import Counter

import pytest
from django.core.management import call_command

from guichet.citizens.models import Citizen
from guichet.tickets.lifecycle import Status, can_transition
from guichet.tickets.models import Event, EventKind, Message, Ticket

pytestmark = pytest.mark.django_db


def test_seed_bench_adds_tickets_with_their_threads_and_search_text():
    call_command("seed_bench", tickets=50, batch=20, verbosity=0, stdout=io.StringIO())

    tickets = list(Ticket.objects.select_related("request_type"))
    assert len(tickets) == 50
    assert len({t.reference for t in tickets}) == 50
    assert {t.status for t in tickets} <= set(Status.values)
    assert all(t.search_text and t.reference.lower() in t.search_text for t in tickets)
    assert all(t.service_id == t.request_type.service_id for t in tickets)
    assert Citizen.objects.filter(user__isnull=True).count() == 10  # plus the demo's citizen account
    created = Counter(Event.objects.filter(kind=EventKind.CREATED).values_list("ticket_id", flat=True))
    assert created == Counter({t.pk: 1 for t in tickets})
    # One event per message, pointing at it.
    message_ids = set(Message.objects.values_list("pk", flat=True))
    thread = Event.objects.exclude(kind__in=[EventKind.CREATED, EventKind.STATUS_CHANGED])
    assert {e.data["message"] for e in thread} == message_ids
    # The status changes lead each ticket to its status, by allowed steps, and none for a ticket never handled.
    for t in tickets:
        changes = list(t.events.filter(kind=EventKind.STATUS_CHANGED).order_by("created_at", "pk"))
        path = [Status.RECEIVED] + [c.to_status for c in changes]
        assert path[-1] == t.status
        assert all(c.from_status == before for c, before in zip(changes, path, strict=False))
        assert all(can_transition(a, b) for a, b in itertools.pairwise(path))


def test_seed_bench_adds_on_top_of_existing_tickets():
    call_command("seed_bench", tickets=10, verbosity=0, stdout=io.StringIO())
    call_command("seed_bench", tickets=10, seed=7, verbosity=0, stdout=io.StringIO())
    assert Ticket.objects.count() == 20


def test_seed_bench_locates_the_tickets_of_place_types_near_the_centre(settings):
    call_command("seed_bench", tickets=200, verbosity=0, stdout=io.StringIO())
    located = Ticket.objects.filter(latitude__isnull=False).select_related("request_type")
    assert 0 < located.count() < 200
    slugs = {t.request_type.slug for t in located}
    assert slugs and slugs <= {"nid-de-poule", "eclairage-public", "depot-sauvage", "graffiti", "vehicule-ventouse"}
    centre = [float(value) for value in settings.GUICHET_MAP_CENTER]
    assert all(abs(t.latitude - centre[0]) < 0.05 and abs(t.longitude - centre[1]) < 0.07 for t in located)
    assert all(t.address_label for t in located)
    assert not Ticket.objects.filter(latitude__isnull=True).exclude(address_label="").exists()
