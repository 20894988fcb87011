"""What Open311's public GET says of where a request is: nothing for a request type whose position is not public
(a home), the exact place or a place rounded to about 100 m as the commune chose; ``bbox`` finds only what is shown."""

import pytest
from django.urls import reverse

from guichet.catalogue.models import LocationMode
from guichet.organisation.models import Commune, PositionPrecision
from guichet.places.place import Place
from tests import factories
from tests.api.conftest import pothole  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
LIST = "/open311/v2/requests.json"
LABEL = "12 Rue de l'Église 38560 Saint-Aubin-des-Prés"


def located(request_type, lat=45.18862, lon=5.72437, label=LABEL):
    return factories.make_ticket(
        request_type=request_type, citizen=None, place=Place(label=label, latitude=lat, longitude=lon, in_base=True)
    )


def precision(value: str) -> None:
    commune = Commune.current()
    commune.open311_position = value
    commune.save()
    Commune.forget_cached()


@pytest.fixture
def at_home(service, commune):
    return factories.RequestTypeFactory(
        service=service, slug="encombrants", location_mode=LocationMode.ADDRESS, position_public=False
    )


def found(client, bbox):
    return [item["service_request_id"] for item in client.get(LIST, {"bbox": bbox}).json()]


def test_a_home_request_types_place_is_never_published_nor_found_by_a_box(client, at_home):
    ticket = located(at_home)
    [item] = client.get(LIST).json()
    assert item["service_request_id"] == ticket.reference_display
    assert not {"lat", "long", "address", "address_id"} & set(item)
    single = client.get(f"/open311/v2/requests/{ticket.reference}.json").json()[0]
    assert not {"lat", "long", "address"} & set(single)
    assert "Église" not in client.get("/open311/v2/requests.xml").text
    assert found(client, "5.72,45.18,5.73,45.19") == []


def test_by_default_a_public_place_is_published_exactly(client, pothole):  # noqa: F811
    ticket = located(pothole)
    [item] = client.get(LIST).json()
    assert (item["lat"], item["long"], item["address"]) == (45.18862, 5.72437, LABEL)
    assert found(client, "5.7243,45.1886,5.7244,45.1887") == [ticket.reference_display]


def test_an_approximate_place_is_rounded_without_the_house_number(client, pothole):  # noqa: F811
    precision(PositionPrecision.APPROXIMATE)
    ticket = located(pothole)
    [item] = client.get(LIST).json()
    assert (item["lat"], item["long"]) == (45.189, 5.724)
    assert item["address"] == "Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert "12 Rue" not in client.get(f"/open311/v2/requests/{ticket.reference}.xml").text


def test_an_approximate_box_finds_the_rounded_point_never_the_exact_one(client, pothole):  # noqa: F811
    precision(PositionPrecision.APPROXIMATE)
    ticket = located(pothole)  # published at 45.189, 5.724
    # Around the exact point only: narrowing boxes must not reveal it.
    assert found(client, "5.7243,45.1886,5.7244,45.1887") == []
    # Around the published point, even one that misses the exact one.
    assert found(client, "5.7239,45.1889,5.7240,45.1891") == [ticket.reference_display]
    assert found(client, "5.72,45.18,5.73,45.19") == [ticket.reference_display]
    assert found(client, "5.7241,45.1891,5.7249,45.1899") == []


def test_the_admin_sets_the_position_per_request_type_and_the_precision_for_the_commune(client, request_type):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", "admin@mairie.test", "mot-de-passe-test")
    client.force_login(admin)
    page = client.get(reverse("admin:catalogue_requesttype_change", args=[request_type.pk])).text
    assert "Localisation" in page and 'name="position_public"' in page and 'name="location_mode"' in page
    commune = Commune.current()
    page = client.get(reverse("admin:organisation_commune_change", args=[commune.pk])).text
    assert 'name="open311_position"' in page and "environ 100 m" in page


def test_the_demo_keeps_the_bulky_waste_collection_at_home_private():
    from guichet.demo import demo_data

    public = {spec["slug"]: spec.get("position_public", True) for spec in demo_data.REQUEST_TYPES}
    assert public["encombrants"] is False and public["eclairage-public"] is True
