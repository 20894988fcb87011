"""The citizen's form of a located request type: address with suggestions, free address, point, photo."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.catalogue.models import LocationMode
from guichet.places.place import Place
from guichet.tickets.models import Ticket
from tests import factories
from tests.places.test_photos import photo
from tests.portal.test_submission import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def located_type(request_type):
    request_type.location_mode = LocationMode.BOTH
    request_type.save()
    return request_type


def url(request_type):
    return reverse("portal:request_form", args=[request_type.slug])


def test_a_type_without_location_has_no_block(client, request_type):
    response = client.get(url(request_type))
    assert "id_location_address" not in response.text
    assert "leaflet" not in response.text


def test_the_located_form_has_the_block_and_the_map(client, located_type):
    response = client.get(url(located_type))
    text = response.text
    assert 'name="location_address"' in text and 'id="id_location_address"' in text
    assert 'id="id_location_lat"' in text and 'id="id_location_lon"' in text
    assert "vendor/leaflet/leaflet.js" in text and 'role="listbox"' in text
    assert 'data-tiles="https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"' in text
    assert "OpenStreetMap" in text
    assert "img-src 'self' data: https://*.tile.openstreetmap.fr;" in response.headers["Content-Security-Policy"]


def test_address_mode_has_no_map(client, located_type):
    located_type.location_mode = LocationMode.ADDRESS
    located_type.save()
    assert "leaflet" not in client.get(url(located_type)).text


def test_a_chosen_suggestion_is_in_the_base_with_its_position(client, located_type, ban_api):
    label = "7 Rue du Moulin 38560 Saint-Aubin-des-Prés"
    response = client.post(url(located_type), form_data(location_address=label))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.address_label == label and ticket.address_in_base is True
    assert ticket.address_citycode == "38998" and ticket.latitude is not None


def test_a_free_address_is_accepted_and_flagged(client, located_type):
    response = client.post(url(located_type), form_data(location_address="Derrière la salle des fêtes"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.address_label == "Derrière la salle des fêtes" and ticket.address_in_base is False


def test_the_pin_is_kept_with_the_address(client, located_type, ban_api):
    data = form_data(
        location_address="7 Rue du Moulin 38560 Saint-Aubin-des-Prés", location_lat="45.18901", location_lon="5.72702"
    )
    client.post(url(located_type), data)
    ticket = Ticket.objects.get()
    assert (ticket.latitude, ticket.longitude) == (45.18901, 5.72702)


def test_a_missing_or_bad_place_keeps_what_was_typed(client, located_type):
    response = client.post(url(located_type), form_data(location_address=""))
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "Hélène" in response.text
    response = client.post(
        url(located_type), form_data(location_address="Place du marché", location_lat="45.1", location_lon="")
    )
    assert response.status_code == 400
    assert "Indiquez la latitude et la longitude" in response.text
    assert 'value="Place du marché"' in response.text


def test_map_mode_takes_a_point_alone(client, located_type, ban_api):
    located_type.location_mode = LocationMode.MAP
    located_type.save()
    response = client.post(url(located_type), form_data(location_address=""))
    assert response.status_code == 400 and "un point placé sur la carte" in response.text
    client.post(url(located_type), form_data(location_lat="45.188650", location_lon="5.724500"))
    ticket = Ticket.objects.get()
    assert ticket.address_label.startswith("1 Rue de l'Église") and ticket.address_in_base


# The JSON helpers of the script ------------------------------------------------------------------


def test_suggestions(client, ban_api):
    response = client.get(reverse("portal:address_suggestions"), {"q": "12 rue de l'égl"})
    results = response.json()["results"]
    assert results[0]["label"] == "12 Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert results[0]["lat"] and results[0]["citycode"] == "38998"
    assert client.get(reverse("portal:address_suggestions"), {"q": "ab"}).json() == {"results": []}


def test_reverse(client, ban_api):
    response = client.get(reverse("portal:address_reverse"), {"lat": "45.188650", "lon": "5.724500"})
    assert response.json()["result"]["label"] == "1 Rue de l'Église 38560 Saint-Aubin-des-Prés"
    bad = client.get(reverse("portal:address_reverse"), {"lat": "north", "lon": "5"})
    assert bad.status_code == 400 and "lisible" in bad.json()["error"]
    assert client.get(reverse("portal:address_reverse")).status_code == 400


def test_photo_position_is_offered_and_nothing_is_stored(client, ban_api):
    upload = SimpleUploadedFile("p.jpg", photo(lat=45.188650, lon=5.724500), content_type="image/jpeg")
    response = client.post(reverse("portal:photo_position"), {"photo": upload})
    result = response.json()["result"]
    assert result["lat"] == pytest.approx(45.18865, abs=1e-5) and result["label"].startswith("1 Rue de l'Église")
    assert not Ticket.objects.exists()
    without = SimpleUploadedFile("p.jpg", photo(lat=None, lon=None), content_type="image/jpeg")
    assert client.post(reverse("portal:photo_position"), {"photo": without}).json() == {"result": None}
    bad = SimpleUploadedFile("p.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(reverse("portal:photo_position"), {"photo": bad})
    assert response.status_code == 400 and "type accepté" in response.json()["error"]
    assert client.post(reverse("portal:photo_position")).status_code == 400
    assert client.get(reverse("portal:photo_position")).status_code == 405


def test_the_photo_endpoint_needs_the_csrf_token(ban_api):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    upload = SimpleUploadedFile("p.jpg", photo(), content_type="image/jpeg")
    assert strict.post(reverse("portal:photo_position"), {"photo": upload}).status_code == 403


def test_the_helpers_are_rate_limited(client, settings, ban_api):
    settings.GUICHET_GEOCODE_RATE = "3/m"
    for _ in range(3):
        assert client.get(reverse("portal:address_suggestions"), {"q": "rue du moulin"}).status_code == 200
    response = client.get(reverse("portal:address_suggestions"), {"q": "rue du moulin"})
    assert response.status_code == 429 and "Trop de recherches" in response.json()["error"]


# The ticket pages ----------------------------------------------------------------------------------


def test_the_citizen_sees_the_place_a_stranger_does_not(client, located_type):
    client.post(
        url(located_type),
        form_data(location_address="Derrière la salle des fêtes", location_lat="45.1885", location_lon="5.7245"),
    )
    ticket = Ticket.objects.get()
    page = client.get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "Derrière la salle des fêtes" in page
    assert "latitude 45,188500, longitude 5,724500" in page and "data-static-map" in page
    assert "hors BAN" not in page  # the flag is for agents
    stranger = client.__class__().get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "Derrière la salle des fêtes" not in stranger and "45,1885" not in stranger


def test_the_agent_sees_the_place_and_the_out_of_base_flag(client, located_type, agent, citizen):
    ticket = factories.make_ticket(
        request_type=located_type,
        citizen=citizen,
        place=Place(label="Au bout du chemin", latitude=45.19, longitude=5.72, in_base=False),
    )
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference])).text
    assert "Au bout du chemin" in page and "hors BAN" in page and 'data-lat="45.190000"' in page
    found = factories.make_ticket(
        request_type=located_type,
        citizen=citizen,
        place=Place(label="1 Rue de l'Église 38560 Saint-Aubin-des-Prés", in_base=True, citycode="38998"),
    )
    page = client.get(reverse("backoffice:ticket", args=[found.reference])).text
    assert "1 Rue de l&#x27;Église" in page and "hors BAN" not in page and "data-static-map" not in page


def test_the_scripts_words_come_from_the_template_translated(client, located_type):
    """location.js holds no French: every sentence it says is a data-msg-* attribute the template translated."""
    script = (Path(settings.BASE_DIR) / "static" / "js" / "location.js").read_text(encoding="utf-8")
    strings = re.findall(r'"([^"\n]*)"', script)
    assert not [text for text in strings if re.search(r"[À-ÿ’…]| (la|le|les|de|votre|une?) ", text)], strings
    used = {name for name in re.findall(r'msg\("(\w+)"', script)}
    used |= {name for pair in re.findall(r'msg\(\w[^?]*\? "(\w+)" : "(\w+)"', script) for name in pair}
    page = client.get(reverse("portal:request_form", args=[located_type.slug])).text
    for name in used:
        attribute = "data-msg-" + re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()
        assert re.search(attribute + r'="[^"]+"', page), attribute
    assert len(used) >= 10
    assert 'data-msg-suggestions-many="%(count)s adresses proposées' in page
