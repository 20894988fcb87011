"""``GET /api/v1/tickets/?bbox=lon_min,lat_min,lon_max,lat_max``: Open311's reading of a box, the agent's access rule,
French 400s, a fixed number of queries, and the located tickets' index on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from guichet.api.rest.filters import apply_ticket_filters
from guichet.places.bbox import parse_bbox
from guichet.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db
BOX = "5.72,45.18,5.73,45.19"


def at(request_type, lat, lon, **kwargs):
    return factories.raw_ticket(request_type=request_type, latitude=lat, longitude=lon, **kwargs)


def listed(client, **params) -> set[str]:
    response = client.get(reverse("api:tickets"), params)
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["results"]}


def test_only_the_located_tickets_inside_the_box_edges_included(api_as, agent, request_type):
    inside = at(request_type, 45.185, 5.725)
    corner = at(request_type, 45.18, 5.73)
    at(request_type, 45.185, 5.74)  # east of the box
    at(request_type, 45.2, 5.725)  # north of it
    factories.raw_ticket(request_type=request_type)  # no place
    assert listed(api_as(agent), bbox=BOX) == {inside.reference, corner.reference}
    assert listed(api_as(agent), bbox="5.725,45.185,5.725,45.185") == {inside.reference}  # a point


def test_the_box_combines_with_the_other_filters(api_as, agent, request_type):
    from guichet.tickets.lifecycle import Status

    open_one = at(request_type, 45.185, 5.725)
    at(request_type, 45.186, 5.726, status=Status.CLOSED)
    assert listed(api_as(agent), bbox=BOX, status="received") == {open_one.reference}


def test_the_box_never_widens_what_the_agent_may_see(
    api_as, agent, other_agent, supervisor, request_type, other_service
):
    ours = at(request_type, 45.185, 5.725)
    theirs = at(factories.RequestTypeFactory(service=other_service, slug="etat-civil-lieu"), 45.186, 5.726)
    assert listed(api_as(agent), bbox=BOX) == {ours.reference}
    assert listed(api_as(other_agent), bbox=BOX) == {theirs.reference}
    assert listed(api_as(supervisor), bbox=BOX) == {ours.reference, theirs.reference}


def test_without_the_tickets_read_scope_the_box_is_refused(api_as, agent, request_type):
    from guichet.api.models import Scope

    at(request_type, 45.185, 5.725)
    response = api_as(agent, scopes=[Scope.CATALOGUE_READ]).get(reverse("api:tickets"), {"bbox": BOX})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "a,b,c,d",
        "5.73,45.18,5.72,45.19",  # west after east
        "5.72,45.19,5.73,45.18",  # south after north
        "0,0,0,nan",
        "-200,0,0,1",
        "0,-91,1,1",
        "0,0,inf,1",
        "1,2,3,4,5",
        " ",
    ],
)
def test_a_bad_box_is_a_400_in_french_naming_bbox(api_as, agent, bbox):
    response = api_as(agent).get(reverse("api:tickets"), {"bbox": bbox})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and list(body["fields"]) == ["bbox"]
    message = "Ce champ ne peut être vide." if not bbox.strip() else "bbox : quatre nombres attendus"
    assert body["fields"]["bbox"][0].startswith(message)


def test_the_box_list_reads_a_fixed_number_of_queries(api_as, agent, request_type, django_assert_max_num_queries):
    client = api_as(agent)
    for n in range(3):
        at(request_type, 45.181 + n / 1000, 5.725, citizen=factories.CitizenFactory())
    client.get(reverse("api:tickets"), {"bbox": BOX})  # warm the key's last_used_at write
    with django_assert_max_num_queries(5) as few:
        assert len(listed(client, bbox=BOX)) == 3
    for n in range(20):
        at(request_type, 45.181 + n / 10000, 5.726, citizen=factories.CitizenFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client, bbox=BOX)) == 23


def test_open311_and_rest_read_a_box_the_same_way():
    from django.http import QueryDict

    from guichet.api.open311.selectors import QueryError, parse_query

    assert parse_query(QueryDict("bbox=" + BOX)).bbox == parse_bbox(BOX)
    with pytest.raises(QueryError, match="bbox : quatre nombres attendus"):
        parse_query(QueryDict("bbox=5.73,45.18,5.72,45.19"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's plan")
def test_the_box_is_read_from_the_located_tickets_index(supervisor, request_type):
    for _ in range(200):
        factories.raw_ticket(request_type=request_type)
    for n in range(20):
        at(request_type, 45.0 + n / 100, 5.0 + n / 100)
    queryset = apply_ticket_filters(Ticket.objects.all(), {"bbox": parse_bbox(BOX)}, user=supervisor)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
        plan = queryset.values_list("pk", flat=True).explain()
    assert "ticket_located" in plan
