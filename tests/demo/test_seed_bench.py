import io
from collections import Counter

import pytest
from django.core.management import call_command

from guichet.citizens.models import Citizen
from guichet.tickets.lifecycle import Status
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
    event_ids = {e.data["message"] for e in Event.objects.exclude(kind=EventKind.CREATED)}
    assert event_ids == message_ids


def test_seed_bench_adds_on_top_of_existing_tickets():
    call_command("seed_bench", tickets=10, verbosity=0, stdout=io.StringIO())
    call_command("seed_bench", tickets=10, seed=7, verbosity=0, stdout=io.StringIO())
    assert Ticket.objects.count() == 20
