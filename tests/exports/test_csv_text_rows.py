"""The CSV's text rows (``columns.rows(as_text=True)``, the fast path of large exports) are exactly the typed
rows written through ``writers.csv_cell``, the one definition of a CSV cell (XLSX and ODS use the typed ones)."""

import pytest

from guichet.exports import columns, writers
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_assign
from tests import factories
from tests.exports.conftest import dataset  # noqa: F401  (the hand-computed tickets of the metrics)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("with_citizen", [False, True])
def test_the_text_rows_are_the_typed_rows_written_as_csv(dataset, supervisor, agent, with_citizen):  # noqa: F811
    # A citizen whose name a spreadsheet would take for a formula, and an assignee.
    citizen = factories.CitizenFactory(last_name="=SOMME(A1)", first_name="Zoé", email="z@example.org", phone="")
    ticket = factories.make_ticket(request_type=dataset.request_type, citizen=citizen)
    ticket_assign(ticket=ticket, assignee=agent, actor=supervisor)
    tickets = Ticket.objects.order_by("pk")

    def run(as_text: bool) -> list[list]:
        return list(columns.rows(tickets, user=supervisor, with_citizen=with_citizen, chunk_size=3, as_text=as_text))

    typed, text = run(False), run(True)
    assert len(typed) == Ticket.objects.count() >= 10
    assert text == [[writers.csv_cell(value) for value in row] for row in typed]
    assert any(row[10] for row in text)  # some resolution times
    assert any(row[9] == "" for row in text) and any(row[9] for row in text)  # with and without a first response
    assert any(row[6] for row in text)  # an assignee
