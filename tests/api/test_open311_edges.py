"""Open311 never answers 500 nor Django's HTML pages: dates out of range and wrong methods are errors in the
spec's format."""

import json

import pytest
from django.test import Client

from guichet.tickets.models import Ticket
from tests.api.conftest import parse_xml
from tests.api.test_open311_post import URL, body

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "date hors des limites acceptées (du 01/01/1900 au 31/12/2999)."


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-01"},
        {"start_date": "0001-01-01T00:00:00+01:00"},
        {"updated_after": "9999-12-31T23:59:59-05:00"},
        {"updated_before": "0001-01-01"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "9999-12-31T23:59:59Z"},
    ],
)
def test_dates_out_of_range_are_a_400_in_the_spec_format(client, pothole, params):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 400
    [problem] = response.json()
    assert problem["code"] == 400 and problem["description"].endswith(OUT_OF_RANGE)
    assert problem["description"].split(" : ")[0] in params


def test_dates_at_the_edges_of_the_range_are_accepted(client, pothole):
    response = client.get("/open311/v2/requests.json", {"start_date": "1900-01-01", "end_date": "1900-03-01"})
    assert response.status_code == 200 and response.json() == []
    response = client.get("/open311/v2/requests.xml", {"updated_after": "2999-12-31T23:59:59+14:00"})
    assert response.status_code == 200 and parse_xml(response).tag == "service_requests"


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "0001-01-01"])
def test_datetime_attribute_out_of_range_is_a_400_naming_it(client, pothole, api_key, value):
    _key, raw = api_key
    response = client.post(URL.format("json"), body(pothole, raw, **{"attribute[vu_le]": value}))
    assert response.status_code == 400
    descriptions = [item["description"] for item in response.json()]
    assert any(d.startswith("attribute[vu_le] : ") for d in descriptions), descriptions


READ_ONLY = [
    "/open311/v2/discovery.{}",
    "/open311/v2/services.{}",
    "/open311/v2/services/nid-de-poule.{}",
    "/open311/v2/requests/ABCD-EFGH.{}",
    "/open311/v2/tokens/ABCD-EFGH.{}",
]


@pytest.mark.parametrize("url", READ_ONLY)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_wrong_method_on_read_only_endpoints_is_a_405_in_the_spec_format_not_the_csrf_page(pothole, url, method):
    browser = Client(enforce_csrf_checks=True)
    response = getattr(browser, method)(url.format("json"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    [problem] = json.loads(response.content)
    assert problem["code"] == 405 and method.upper() in problem["description"]
    root = parse_xml(getattr(browser, method)(url.format("xml")))
    assert root.find("error/code").text == "405"


def test_wrong_method_on_requests_lists_get_and_post(pothole):
    response = Client(enforce_csrf_checks=True).delete(URL.format("xml"))
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, POST"
    assert parse_xml(response).find("error/description").text.startswith("Méthode DELETE")


def test_head_still_works_on_read_only_endpoints(client, pothole):
    assert client.head("/open311/v2/services.json").status_code == 200


NUL = "Paramètre invalide : le caractère nul (\\0) n'est pas accepté."


@pytest.mark.parametrize("params", [{"service_code": "a\x00b"}, {"status": "\x00"}, {"service_request_id": "\x00"}])
def test_nul_in_a_query_parameter_is_a_400_on_postgresql_too(client, pothole, params):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": NUL}]


@pytest.mark.parametrize("field", ["service_code", "api_key", "description", "attribute[danger]"])
def test_nul_in_a_posted_parameter_is_a_400_and_creates_nothing(client, pothole, api_key, field):
    _key, raw = api_key
    data = body(pothole, raw)
    data[field] = data.get(field, "") + "\x00"
    response = client.post(URL.format("json"), data)
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": NUL}]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("url", "fmt"), [("requests/%C2%84.json", "json"), ("nimporte/quoi", "xml"), ("", "xml")])
def test_unknown_addresses_are_a_404_in_the_spec_format(client, url, fmt):
    response = client.post("/open311/v2/" + url)
    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [{"code": 404, "description": "Adresse Open311 inconnue : voir discovery.xml"}]
    else:
        assert parse_xml(response).find("error/code").text == "404"
