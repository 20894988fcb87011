"""Where the APIs show a deadline, they show the implicit-decision date too (REST and Open311 extensions)."""

import pytest

from guichet.catalogue.models import LegalRegime
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sva_ticket(service, commune, citizen):
    sva = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA)
    return factories.make_ticket(request_type=sva, citizen=citizen)


def test_open311_extensions_carry_the_implicit_decision_date(client, sva_ticket, ticket):
    data = client.get("/open311/v2/requests.json", {"extensions": "true"}).json()
    by_id = {item["service_request_id"]: item["extended_attributes"] for item in data}
    assert by_id[sva_ticket.reference_display]["implicit_decision_date"] == sva_ticket.implicit_decision_on.isoformat()
    assert "implicit_decision_date" not in by_id[ticket.reference_display]
