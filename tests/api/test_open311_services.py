import json
from xml.etree import ElementTree

import pytest

from guichet.catalogue.models import FieldKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(request_type):
    factories.FieldFactory(
        request_type=request_type, code="danger", label="Danger immédiat ?", kind=FieldKind.CHOICE,
        choices="Oui\nNon", order=4,
    )  # fmt: skip
    factories.FieldFactory(request_type=request_type, code="vu_le", label="Vu le", kind=FieldKind.DATE, order=5)
    factories.RequestTypeFactory(name="Démarche retirée", slug="retiree", is_active=False, theme=request_type.theme)
    return request_type


def xml(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ElementTree.fromstring(response.content)


def test_discovery_in_both_formats(client, catalogue, settings):
    settings.SITE_URL = "https://demarches.ma-commune.fr"
    root = xml(client.get("/open311/v2/discovery.xml"))
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "https://demarches.ma-commune.fr/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("changeset").endswith("Z")
    data = client.get("/open311/v2/discovery.json").json()
    assert data["endpoints"][0]["type"] == "production" and data["changeset"] == root.findtext("changeset")


def test_service_list_xml_and_json(client, catalogue):
    root = xml(client.get("/open311/v2/services.xml"))
    [service] = root.findall("service")
    assert service.findtext("service_code") == catalogue.slug
    assert service.findtext("service_name") == catalogue.name
    assert (service.findtext("metadata"), service.findtext("type")) == ("true", "realtime")
    assert service.findtext("group") == catalogue.theme.name
    response = client.get("/open311/v2/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    assert isinstance(data, list) and data[0]["service_code"] == catalogue.slug  # a bare array, codes as strings
    assert data[0]["metadata"] is True


def test_service_definition_maps_field_kinds_to_open311_datatypes(client, catalogue):
    data = client.get(f"/open311/v2/services/{catalogue.slug}.json").json()
    attributes = {a["code"]: a for a in data["attributes"]}
    assert set(attributes) == {"adresse", "description", "danger", "vu_le"}  # the file field is not an attribute
    assert [a["order"] for a in data["attributes"]] == [1, 2, 3, 4]
    assert attributes["adresse"]["datatype"] == "text"
    assert "12 rue de la Paix, 75002 Paris" in attributes["adresse"]["datatype_description"]  # how it is read
    assert attributes["vu_le"]["datatype"] == "datetime"
    assert attributes["danger"]["datatype"] == "singlevaluelist"
    assert attributes["danger"]["values"] == [{"key": "Oui", "name": "Oui"}, {"key": "Non", "name": "Non"}]
    assert attributes["danger"]["description"] == "Danger immédiat ?"
    root = xml(client.get(f"/open311/v2/services/{catalogue.slug}.xml"))
    danger = [a for a in root.findall("attributes/attribute") if a.findtext("code") == "danger"][0]
    assert [v.findtext("key") for v in danger.findall("values/value")] == ["Oui", "Non"]
    assert danger.findtext("required") == "true" and danger.findtext("variable") == "true"


def test_unknown_or_inactive_service_is_a_404_in_the_spec_error_format(client, catalogue):
    response = client.get("/open311/v2/services/retiree.xml")
    assert response.status_code == 404
    error = xml(response).find("error")
    assert error.findtext("code") == "404" and "retiree" in error.findtext("description")
    response = client.get("/open311/v2/services/inconnue.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_jurisdiction_is_checked_when_configured_and_empty_counts_as_absent(client, catalogue, settings):
    settings.OPEN311_JURISDICTION_ID = "ma-commune.fr"
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "ma-commune.fr"}).status_code == 200
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": ""}).status_code == 200
    response = client.get("/open311/v2/services.json", {"jurisdiction_id": "autre-ville.fr"})
    assert response.status_code == 404 and "autre-ville.fr" in response.json()[0]["description"]


def test_unknown_format_is_refused(client, catalogue):
    assert client.get("/open311/v2/services.csv").status_code == 404


def test_request_types_needing_a_citizen_account_are_not_offered(client, catalogue):
    factories.RequestTypeFactory(name="Inscrire à la cantine", slug="cantine", requires_account=True)
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert "cantine" not in codes
    assert client.get("/open311/v2/services/cantine.json").status_code == 404
