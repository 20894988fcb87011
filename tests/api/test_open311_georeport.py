"""Every Open311 endpoint over real HTTP, with the published PyPI client ``georeport`` (0.3.1) where it can.

georeport reads services, service definitions, request lists and single requests, in JSON and XML. It has no
call for discovery, POST requests or tokens: those go through ``requests`` (the library georeport itself uses)
to the same live server. Two limits of the client are shown below (XML lists of one, empty XML lists).
"""

import pytest
import requests
from georeport import GeoReport

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_change_status
from tests import factories
from tests.api.conftest import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)
FORMATS = ["json", "xml"]


@pytest.fixture
def base(live_server) -> str:
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def raw_key(db) -> str:
    return api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])[1]


def as_list(result: list | dict) -> list:
    """georeport's XML mode returns a dict, not a list, when the list has one element (see the quirks test)."""
    return result if isinstance(result, list) else [result]


def post(base: str, fmt: str, data: dict, **kwargs) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=data, timeout=10, **kwargs)


def pothole_post(pothole, raw_key: str, **extra) -> dict:
    return {"api_key": raw_key, "service_code": pothole.slug, "lat": "45.7640", "long": "4.8357",
            "address_string": "1 place Bellecour, 69002 Lyon", "description": "Nid-de-poule",
            "attribute[danger]": "Oui", **extra}  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_and_definition_with_georeport(base, pothole, fmt):
    factories.RequestTypeFactory(name="Banc cassé", slug="banc", theme=pothole.theme, service=pothole.service)
    client = GeoReport(base, output_format=fmt)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert set(services) == {pothole.slug, "banc"}
    assert services[pothole.slug]["service_name"] == pothole.name
    definition = client.get_service_definition(pothole.slug)
    assert definition["service_code"] == pothole.slug
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    danger = next(a for a in attributes if a["code"] == "danger")
    assert danger["datatype"] == "singlevaluelist"
    values = danger["values"] if fmt == "json" else danger["values"]["value"]
    assert [v["key"] for v in values] == ["Oui", "Non"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_over_http_then_read_it_back_with_georeport(base, pothole, raw_key, fmt):
    response = post(base, fmt, pothole_post(pothole, raw_key), files={"media": ("trou.png", png_bytes(), "image/png")})
    assert response.status_code == 201, response.text
    if fmt == "json":
        reference = response.json()[0]["service_request_id"]
    else:
        import xmltodict

        reference = xmltodict.parse(response.content)["service_requests"]["request"]["service_request_id"]
    ticket = Ticket.objects.get(reference=reference.replace("-", ""))
    assert ticket.attachments.get().field_code == "photo"

    client = GeoReport(base, output_format=fmt)
    one = client.get_service_request(reference)
    assert one["service_request_id"] == reference and one["status"] == "open"
    assert one["address"] == "1 place Bellecour, 69002 Lyon"
    assert float(one["lat"]) == 45.764


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_list_filters_with_georeport(base, pothole, agent, fmt):
    first = factories.make_ticket(request_type=pothole, citizen=None)
    second = factories.make_ticket(request_type=pothole, citizen=None)
    ticket_change_status(ticket=second, to_status=Status.REJECTED, actor=agent)
    bench = factories.make_ticket(request_type=factories.RequestTypeFactory(slug="banc"), citizen=None)
    client = GeoReport(base, output_format=fmt)

    listed = client.get_service_requests()
    assert {r["service_request_id"] for r in listed} == {t.reference_display for t in (first, second, bench)}
    open_benches = as_list(client.get_service_requests(status="open", service_code="banc,x"))
    assert [r["service_request_id"] for r in open_benches] == [bench.reference_display]
    both = client.get_service_requests(service_request_id=f"{first.reference_display},{second.reference_display}")
    assert {r["status"] for r in both} == {"open", "closed"}
    old = client.get_service_requests(service_request_id=first.reference_display)
    assert as_list(old)[0]["service_code"] == pothole.slug


def test_georeport_xml_quirks_a_list_of_one_and_an_empty_list(base, pothole):
    """Not server bugs: xmltodict gives a dict for a single <request> and None for an empty list."""
    ticket = factories.make_ticket(request_type=pothole, citizen=None)
    client = GeoReport(base, output_format="xml")
    single = client.get_service_requests()
    assert isinstance(single, dict) and single["service_request_id"] == ticket.reference_display
    with pytest.raises(TypeError):
        client.get_service_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
    # The same empty answer is a well-formed, empty <service_requests/> on the wire.
    response = requests.get(f"{base}/requests.xml", params={"start_date": "2020-01-01T00:00:00Z"}, timeout=10)
    assert response.status_code == 200 and b"<service_requests />" in response.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_and_errors_through_georeport(base, pothole, settings, fmt):
    settings.OPEN311_JURISDICTION_ID = "ma-commune.fr"
    assert GeoReport(base, jurisdiction="ma-commune.fr", output_format=fmt).get_service_list()
    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(base, jurisdiction="autre.fr", output_format=fmt).get_service_list()
    assert refused.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as missing:
        GeoReport(base, output_format=fmt).get_service_request("ABC-DEF-GHJ")
    assert missing.value.response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_tokens_and_refusals_over_http(base, pothole, raw_key, fmt):
    discovery = requests.get(f"{base}/discovery.{fmt}", timeout=10)
    assert discovery.status_code == 200 and "GeoReport_v2" in discovery.text
    created = post(base, "json", pothole_post(pothole, raw_key)).json()[0]["service_request_id"]
    token = requests.get(f"{base}/tokens/{created}.{fmt}", timeout=10)
    assert token.status_code == 200 and created in token.text
    assert post(base, fmt, pothole_post(pothole, "mauvaise.cle")).status_code == 403
    fake = post(
        base, fmt, pothole_post(pothole, raw_key), files={"media": ("x.png", b"MZ\x90\x00 not an image", "image/png")}
    )
    assert fake.status_code == 400 and "n'est pas d'un type accepté" in fake.text
