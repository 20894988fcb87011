"""Where the APIs show a deadline, they show the implicit-decision date too (REST)."""

import pytest
from django.urls import reverse

from guichet.catalogue.models import LegalRegime
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sva_ticket(service, commune, citizen):
    sva = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA)
    return factories.make_ticket(request_type=sva, citizen=citizen)


def test_rest_ticket_carries_the_implicit_decision_date(api_as, agent, sva_ticket, ticket):
    client = api_as(agent)
    data = client.get(reverse("api:ticket", args=[sva_ticket.reference])).json()
    assert data["implicit_decision_on"] == sva_ticket.implicit_decision_on.isoformat()
    assert data["decision"] == ""
    report = client.get(reverse("api:ticket", args=[ticket.reference])).json()
    assert report["implicit_decision_on"] is None
    listed = {row["reference"]: row for row in client.get(reverse("api:tickets")).json()["results"]}
    assert listed[sva_ticket.reference]["implicit_decision_on"] == sva_ticket.implicit_decision_on.isoformat()
