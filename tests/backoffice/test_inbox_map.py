"""The inbox's « Carte » and « À proximité » filter (issue 17)."""

import pytest
from django.urls import reverse

from guichet.backoffice import inbox_map
from guichet.tickets import nearby
from guichet.tickets.lifecycle import Status
from tests import factories

pytestmark = pytest.mark.django_db

HERE = (45.7640, 4.8357)
BOX = "4.80,45.74,4.86,45.79"


def located(request_type, metres=0.0, east=0.0, **kwargs):
    return factories.raw_ticket(
        request_type=request_type,
        latitude=HERE[0] + metres / nearby.METRES_PER_DEGREE_LAT,
        longitude=HERE[1] + east,
        **kwargs,
    )


def points(client, **params):
    response = client.get(reverse("backoffice:inbox_map_points"), params)
    assert response.status_code == 200
    return response.json()


def test_the_map_gives_open_located_tickets_the_agent_sees_filtered_like_the_list(
    client, agent, request_type, other_service
):
    mine = located(request_type, 10, citizen=factories.CitizenFactory(first_name="Hélène"))
    located(request_type, 20, status=Status.CLOSED)
    factories.raw_ticket(request_type=request_type)  # not located
    located(factories.RequestTypeFactory(service=other_service), 30)  # another service
    other_type = located(factories.RequestTypeFactory(service=request_type.service), 40)
    client.force_login(agent)
    data = points(client, bbox=BOX)
    assert data["type"] == "FeatureCollection" and not data["grid"]
    assert {f["properties"]["reference"] for f in data["features"]} == {
        mine.reference_display,
        other_type.reference_display,
    }
    feature = next(f for f in data["features"] if f["properties"]["reference"] == mine.reference_display)
    assert feature["geometry"]["coordinates"][0] == pytest.approx(HERE[1])
    assert feature["properties"]["url"] == reverse("backoffice:ticket", args=[mine.reference])
    assert "Hélène" not in str(data)
    filtered = points(client, bbox=BOX, demarche=request_type.pk)
    assert [f["properties"]["reference"] for f in filtered["features"]] == [mine.reference_display]
    outside = points(client, bbox="5.0,46.0,5.1,46.1")
    assert outside["features"] == []


def test_past_the_cap_the_map_answers_a_grid_of_counts(client, agent, request_type, monkeypatch):
    monkeypatch.setattr(inbox_map, "MAX_POINTS", 5)
    for index in range(12):
        located(request_type, index * 50)
    client.force_login(agent)
    data = points(client, bbox=BOX)
    assert data["grid"] and sum(f["properties"]["count"] for f in data["features"]) == 12
    assert "reference" not in str(data)
    assert points(client)["grid"]  # without a box: the tickets' own extent


def test_the_map_refuses_anonymous_visitors_and_ignores_a_bad_box(client, agent, request_type):
    response = client.get(reverse("backoffice:inbox_map_points"))
    assert response.status_code == 302
    located(request_type, 0)
    client.force_login(agent)
    for bad in ("a,b,c,d", "1,2,3", "nan,0,1,1", "5,5,4,4"):
        assert len(points(client, bbox=bad)["features"]) == 1


def test_the_map_page_carries_the_list_filters(client, agent):
    client.force_login(agent)
    response = client.get(reverse("backoffice:inbox_map"), {"demarche": "3", "vue": "toutes"})
    assert response.status_code == 200
    assert "demandes.geojson?demarche=3&amp;vue=toutes" in response.text
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in response.text


def test_near_filter_by_point_or_ticket_and_radius(client, agent, request_type, other_service):
    centre = located(request_type, 0)
    close = located(request_type, 150)
    far = located(request_type, 400)
    foreign = located(factories.RequestTypeFactory(service=other_service), 0)
    client.force_login(agent)

    def listed(**params):
        text = client.get(reverse("backoffice:inbox"), params).text
        return {ticket for ticket in (centre, close, far) if ticket.reference_display in text}

    assert listed(lat=HERE[0], lon=HERE[1], rayon=200) == {centre, close}
    assert listed(lat=HERE[0], lon=HERE[1], rayon=500) == {centre, close, far}
    assert listed(pres_de=centre.reference_display, rayon=100) == {centre}
    # A ticket the agent may not see is no centre: nothing matches.
    assert listed(pres_de=foreign.reference, rayon=500) == set()
    assert listed(pres_de="inconnue", rayon=500) == set()


def test_the_map_query_count_is_constant(client, agent, request_type, django_assert_max_num_queries):
    for index in range(30):
        located(request_type, index)
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        assert len(points(client, bbox=BOX)["features"]) == 30
