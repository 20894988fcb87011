"""The nearby query: open located tickets within the type's radius, same type first, no N+1."""

import datetime

import pytest
from django.utils import timezone

from guichet.tickets import nearby
from guichet.tickets.lifecycle import Status
from tests import factories

pytestmark = pytest.mark.django_db

HERE = (45.7640, 4.8357)


def north_of(metres: float) -> tuple[float, float]:
    return HERE[0] + metres / nearby.METRES_PER_DEGREE_LAT, HERE[1]


def located(request_type, metres=0.0, subject="Lampadaire éteint", **kwargs):
    latitude, longitude = north_of(metres)
    return factories.raw_ticket(
        request_type=request_type, latitude=latitude, longitude=longitude, subject=subject, **kwargs
    )


def probe(request_type, text="Lampadaire éteint"):
    return nearby.Probe(
        latitude=HERE[0],
        longitude=HERE[1],
        request_type_id=request_type.pk,
        service_id=request_type.service_id,
        text=text,
    )


@pytest.fixture
def sibling(service, commune):
    return factories.RequestTypeFactory(service=service, name="Signaler un nid-de-poule")


def test_only_open_tickets_within_the_radius_same_type_first(request_type, sibling, other_service):
    same_close = located(request_type, 10)
    same_far = located(request_type, 45, subject="Autre chose")
    located(request_type, 80)  # outside the 50 m radius
    located(request_type, 5, status=Status.CLOSED)
    other_kind = located(sibling, 3)
    located(factories.RequestTypeFactory(service=other_service), 1)  # another service
    found = nearby.nearby_tickets(probe=probe(request_type), request_type=request_type)
    assert [item.ticket for item in found] == [same_close, same_far, other_kind]
    assert found[0].likely_duplicate and not found[2].likely_duplicate
    assert 9 < found[0].distance_m < 11
    only_same = nearby.nearby_tickets(probe=probe(request_type), request_type=request_type, same_type_only=True)
    assert [item.ticket for item in only_same] == [same_close, same_far]


def test_the_radius_is_the_request_types(request_type):
    request_type.duplicate_radius_m = 100
    request_type.save()
    ticket = located(request_type, 80)
    assert [item.ticket for item in nearby.nearby_tickets(probe=probe(request_type), request_type=request_type)] == [
        ticket
    ]


def test_newer_ranks_first_at_equal_place_and_words(request_type):
    old = located(request_type, 10)
    new = located(request_type, 10)
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=90))
    found = nearby.nearby_tickets(probe=probe(request_type), request_type=request_type)
    assert [item.ticket for item in found] == [new, old]


def test_the_query_count_does_not_grow_with_the_candidates(request_type, django_assert_max_num_queries):
    for metres in range(0, 40, 2):
        located(request_type, metres)
    with django_assert_max_num_queries(2):
        found = nearby.nearby_tickets(probe=probe(request_type), request_type=request_type, limit=50)
        [item.ticket.request_type.name for item in found]
    assert len(found) == 20
