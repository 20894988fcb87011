"""REST API: a ticket's location in (JSON and multipart) and out."""

import json

import pytest
from django.urls import reverse

from guichet.tickets.models import Ticket
from tests.api.rest.conftest import api_as  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ANSWERS = {"adresse": {"street": "3 rue des Lilas", "postcode": "75020", "city": "Paris"}, "description": "Trou"}


def create(client, request_type, location, fmt="json"):
    data = {"request_type": request_type.slug, "answers": ANSWERS, "location": location}
    if fmt == "multipart":
        data = {**data, "answers": json.dumps(ANSWERS), "location": json.dumps(location)}
    return client.post(reverse("api:tickets"), data, format=fmt)


def test_a_point_and_an_address_in_and_out(api_as, agent, request_type, ban_api):  # noqa: F811
    label = "7 Rue du Moulin 38560 Saint-Aubin-des-Prés"
    response = create(api_as(agent), request_type, {"address": label, "lat": 45.1891, "lon": 5.7262})
    assert response.status_code == 201, response.content
    assert response.json()["location"] == {
        "address": label,
        "lat": 45.1891,
        "lon": 5.7262,
        "citycode": "38998",
        "in_base": True,
    }
    listed = api_as(agent).get(reverse("api:tickets")).json()["results"][0]
    assert listed["location"]["address"] == label


def test_a_free_address_by_multipart_is_flagged(api_as, agent, request_type):  # noqa: F811
    response = create(api_as(agent), request_type, {"address": "Sous le pont"}, fmt="multipart")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.address_label == "Sous le pont" and ticket.address_in_base is False and ticket.latitude is None


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"lat": 45.1}, "ou aucune des deux"),
        ({}, "Indiquez une adresse"),
        ({"lat": 95, "lon": 5}, "90"),
        ({"address": "x" * 301}, "300"),
    ],
)
def test_a_bad_location_is_a_400(api_as, agent, request_type, location, message):  # noqa: F811
    response = create(api_as(agent), request_type, location)
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert not Ticket.objects.exists()


def test_no_location_is_no_place(api_as, agent, request_type):  # noqa: F811
    response = api_as(agent).post(
        reverse("api:tickets"), {"request_type": request_type.slug, "answers": ANSWERS}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["location"] == {"address": "", "lat": None, "lon": None, "citycode": "", "in_base": None}
