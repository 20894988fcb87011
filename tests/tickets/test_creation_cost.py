"""A new ticket's reference is checked by its unique index, not looked up first: a taken one is drawn again.

And what a creation costs in statements (the web submission is the busiest write path, issue 18).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.lib import references
from guichet.tickets import services
from guichet.tickets.models import Event, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def _ticket(**kwargs) -> Ticket:
    if "request_type" not in kwargs:
        kwargs["request_type"] = factories.RequestTypeFactory()
    if "citizen" not in kwargs:
        kwargs["citizen"] = factories.CitizenFactory()
    return factories.make_ticket(**kwargs)


def test_a_reference_already_taken_is_drawn_again(monkeypatch):
    first = _ticket()
    fresh = references.generate()
    draws = iter([first.reference, first.reference, fresh])
    monkeypatch.setattr(services.references, "generate", lambda: next(draws))
    second = _ticket(citizen=first.citizen, request_type=first.request_type)
    assert second.reference == fresh and not second.replayed
    assert Ticket.objects.count() == 2
    assert Event.objects.filter(ticket=second).count() == 1  # the failed draws left nothing behind


def test_a_reference_never_free_ends_in_an_error_not_a_loop(monkeypatch):
    first = _ticket()
    monkeypatch.setattr(services.references, "generate", lambda: first.reference)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        _ticket(citizen=first.citizen, request_type=first.request_type)
    assert Ticket.objects.count() == 1


def test_a_creation_reads_nothing_it_already_knows():
    """No look-up of the reference, the default priority or the related rows: inserts, and the commit."""
    first = _ticket()  # the commune, its calendar and the default priority are now cached
    with CaptureQueriesContext(connection) as queries:
        _ticket(citizen=first.citizen, request_type=first.request_type)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert selects == [], selects
