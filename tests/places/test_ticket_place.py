from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from guichet.catalogue.models import RequestType
from guichet.demo import demo_data
from guichet.lib.middleware import policy
from guichet.places.place import Place, parse_position
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_a_ticket_keeps_its_place(request_type, citizen):
    place = Place(
        label="3 Place du Marché 38560 Saint-Aubin-des-Prés",
        latitude=45.1888,
        longitude=5.7241,
        citycode="38998",
        in_base=True,
    )
    ticket = ticket_create(request_type=request_type, citizen=citizen, channel=Channel.WEB, answers=[], place=place)
    ticket.refresh_from_db()
    assert (ticket.latitude, ticket.longitude) == (45.1888, 5.7241)
    assert ticket.address_label == place.label and ticket.address_citycode == "38998" and ticket.address_in_base


def test_a_free_address_is_flagged_and_no_place_leaves_the_columns_empty(request_type, citizen):
    free = ticket_create(
        request_type=request_type,
        citizen=citizen,
        channel=Channel.WEB,
        answers=[],
        place=Place(label="Au fond du parking du stade", in_base=False),
    )
    assert free.address_in_base is False and free.latitude is None
    none = ticket_create(request_type=request_type, citizen=citizen, channel=Channel.WEB, answers=[])
    assert none.address_label == "" and none.address_in_base is None and none.latitude is None


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [("", "", None), (None, None, None), ("45.1", "5.7", (45.1, 5.7)), ("45,1", " 5,7 ", (45.1, 5.7))],
)
def test_parse_position(lat, lon, expected):
    assert parse_position(lat, lon) == expected


@pytest.mark.parametrize(
    ("lat", "lon"), [("45", ""), ("", "5"), ("nord", "5"), ("91", "5"), ("45", "181"), ("nan", "1")]
)
def test_parse_position_refuses_with_a_french_message(lat, lon):
    with pytest.raises(ValidationError) as error:
        parse_position(lat, lon)
    assert "position" in str(error.value) or "latitude" in str(error.value)


def test_the_policy_allows_the_tile_server_images_only(settings, client):
    assert "img-src 'self' data: https://*.tile.openstreetmap.fr;" in policy()
    settings.GUICHET_MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert "img-src 'self' data: https://tiles.example.org;" in policy()
    assert "script-src 'self';" in policy()
    settings.GUICHET_MAP_TILES_URL = "/tuiles/{z}/{x}/{y}.png"
    assert "img-src 'self' data:;" in policy()


def test_the_demo_has_located_request_types_and_tickets(monkeypatch):
    monkeypatch.setattr(demo_data, "HISTORY_TICKETS", 40)
    call_command("seed_demo", stdout=StringIO())
    street_light = RequestType.objects.get(slug="eclairage-public")
    assert street_light.location_mode == "map" and not street_light.fields.filter(code="adresse").exists()
    assert RequestType.objects.get(slug="nid-de-poule").location_mode == "both"
    located = Ticket.objects.filter(latitude__isnull=False)
    assert located.exists()
    assert set(located.values_list("request_type__location_mode", flat=True)) <= {"map", "both"}
    assert located.filter(address_in_base=True).exists()
    assert all(abs(lat - 47.76) < 0.01 for lat in located.values_list("latitude", flat=True))
