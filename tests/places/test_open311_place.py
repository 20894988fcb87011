"""Open311: lat/long/address_string land on the ticket's place; GET returns them and filters by ``bbox``."""

import pytest

from guichet.catalogue.models import LocationMode
from guichet.places.place import Place
from guichet.tickets.models import Ticket
from tests import factories
from tests.api.conftest import api_key, pothole  # noqa: F401 (fixtures)
from tests.api.test_open311_post import URL, body

pytestmark = pytest.mark.django_db


def test_a_posted_point_and_address_are_the_tickets_place(client, pothole, api_key):  # noqa: F811
    response = client.post(URL.format("json"), body(pothole, api_key[1], lat="45.18865", long="5.7245"))
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.latitude, ticket.longitude) == (45.18865, 5.7245)
    assert ticket.address_label == "12 rue de la Paix, 75002 Paris" and ticket.address_in_base is False


def test_an_address_alone_is_looked_up_in_the_ban(client, pothole, api_key, ban_api):  # noqa: F811
    label = "3 Place du Marché 38560 Saint-Aubin-des-Prés"
    response = client.post(URL.format("json"), body(pothole, api_key[1], lat=None, long=None, address_string=label))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.address_in_base and ticket.address_citycode == "38998" and ticket.latitude is not None


def located(pothole, lat, lon, label):  # noqa: F811
    return factories.make_ticket(
        request_type=pothole, citizen=None, place=Place(label=label, latitude=lat, longitude=lon, in_base=True)
    )


def test_get_returns_the_place_and_filters_by_bbox(client, pothole):  # noqa: F811
    pothole.location_mode = LocationMode.MAP
    pothole.save()
    inside = located(pothole, 45.1890, 5.7250, "1 Rue de l'Église 38560 Saint-Aubin-des-Prés")
    outside = located(pothole, 45.2500, 5.8000, "Ailleurs")
    unlocated = factories.make_ticket(request_type=pothole, citizen=None)
    everything = client.get("/open311/v2/requests.json").json()
    assert len(everything) == 3
    found = client.get("/open311/v2/requests.json", {"bbox": "5.72,45.18,5.73,45.19"}).json()
    assert [item["service_request_id"] for item in found] == [inside.reference_display]
    assert (found[0]["lat"], found[0]["long"]) == (45.189, 5.725)
    assert found[0]["address"] == "1 Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert outside.reference_display not in str(found) and unlocated.reference_display not in str(found)


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "5.73,45.18,5.72,45.19", "0,0,0,nan", "-200,0,0,1"])
def test_a_bad_bbox_is_a_400_in_french(client, pothole, bbox):  # noqa: F811
    response = client.get("/open311/v2/requests.json", {"bbox": bbox})
    assert response.status_code == 400
    assert "bbox : quatre nombres attendus" in response.json()[0]["description"]
