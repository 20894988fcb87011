"""GET requests.{fmt}, requests/{id}.{fmt} and tokens/{token}.{fmt} through raw HTTP."""

import datetime
import json

import pytest
from django.utils import timezone

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import ENDED_STATUSES, Ticket
from guichet.tickets.services import message_post_by_agent, message_post_by_citizen, ticket_change_status
from tests import factories
from tests.api.conftest import parse_xml

pytestmark = pytest.mark.django_db

# The fields of a service request in the spec, in its order; ours is a subset, in the same order.
SPEC_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip


def aged(ticket: Ticket, days: float) -> Ticket:
    moment = timezone.now() - datetime.timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moment, updated_at=moment)
    ticket.refresh_from_db()
    return ticket


def posted(client, request_type, **extra) -> Ticket:
    _key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    data = {"api_key": raw, "service_code": request_type.slug, "lat": "48.85", "long": "2.35",
            "address_string": "Place de l'Hôtel de Ville, 75004 Paris", "attribute[danger]": "Non",
            "description": "Trou", **extra}  # fmt: skip
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    return Ticket.objects.get(reference=response.json()[0]["service_request_id"].replace("-", ""))


def ids(response) -> list[str]:
    return [item["service_request_id"] for item in response.json()]


def test_list_in_xml_has_the_spec_fields_in_order_with_utc_dates(client, pothole):
    ticket = posted(client, pothole)
    root = parse_xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    [item] = root.findall("request")
    tags = [child.tag for child in item]
    assert tags == [name for name in SPEC_FIELDS if name in tags]
    assert {"service_request_id", "status", "service_code", "requested_datetime", "lat", "long"} <= set(tags)
    assert item.findtext("service_request_id") == ticket.reference_display
    assert item.findtext("status") == "open" and item.findtext("status_notes") == "Reçue"
    assert item.findtext("service_code") == pothole.slug and item.findtext("agency_responsible") == "Voirie"
    assert item.findtext("address") == "Place de l'Hôtel de Ville, 75004 Paris"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        datetime.datetime.strptime(item.findtext(name), "%Y-%m-%dT%H:%M:%SZ")
    assert (item.findtext("lat"), item.findtext("long")) == ("48.85", "2.35")


def test_list_in_json_is_a_bare_array_with_string_ids_and_numeric_coordinates(client, pothole):
    posted(client, pothole)
    response = client.get("/open311/v2/requests.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [item] = json.loads(response.content)
    assert isinstance(item["service_request_id"], str) and isinstance(item["service_code"], str)
    assert (item["lat"], item["long"]) == (48.85, 2.35)
    assert item["requested_datetime"].endswith("Z")


def test_status_mapping_and_guichet_status_as_an_extended_attribute(client, pothole, agent):
    expected = {}
    for status in Status:
        ticket = factories.make_ticket(request_type=pothole, citizen=None)
        Ticket.objects.filter(pk=ticket.pk).update(
            status=status, closed_at=timezone.now() if status in ENDED_STATUSES else None
        )
        expected[ticket.reference_display] = (status.value, "open" if status in {"received", "in_progress", "awaiting_citizen"} else "closed")  # fmt: skip
    data = client.get("/open311/v2/requests.json", {"extensions": "true"}).json()
    got = {item["service_request_id"]: (item["extended_attributes"]["guichet_status"], item["status"]) for item in data}
    assert got == expected
    open_ids = ids(client.get("/open311/v2/requests.json", {"status": "open"}))
    assert sorted(open_ids) == sorted(ref for ref, (_s, o) in expected.items() if o == "open")
    both = ids(client.get("/open311/v2/requests.json", {"status": "open,closed"}))
    assert len(both) == len(Status)


def test_default_window_is_the_last_90_days_and_dates_filter_requested_datetime(client, pothole):
    recent = factories.make_ticket(request_type=pothole, citizen=None)
    old = aged(factories.make_ticket(request_type=pothole, citizen=None), 120)
    assert ids(client.get("/open311/v2/requests.json")) == [recent.reference_display]
    window = {"start_date": (timezone.now() - datetime.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end_date": (timezone.now() - datetime.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    assert ids(client.get("/open311/v2/requests.json", window)) == [old.reference_display]
    # An empty parameter counts as absent.
    assert ids(client.get("/open311/v2/requests.json", {"start_date": "", "status": ""})) == [recent.reference_display]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "hier"}, "start_date : date invalide, format attendu ISO 8601 comme 2026-01-31T08:00:00Z."),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
         "start_date et end_date ne peuvent pas couvrir plus de 90 jours."),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date est antérieure à start_date."),
        ({"status": "ouvert"}, "status : valeurs possibles open et closed, reçu ouvert."),
        ({"page_size": "5000"}, "page_size : nombre entier de 1 à 1000 attendu."),
        ({"page": "0"}, "page : nombre entier de 1 à 1000000 attendu."),
    ],
)  # fmt: skip
def test_bad_filters_are_a_400_in_the_spec_error_format(client, pothole, params, message):
    response = client.get("/open311/v2/requests.xml", params)
    assert response.status_code == 400
    error = parse_xml(response).find("error")
    assert (error.findtext("code"), error.findtext("description")) == ("400", message)


def test_service_request_id_overrides_every_other_filter(client, pothole, commune):
    other = factories.RequestTypeFactory(slug="banc")
    old = aged(factories.make_ticket(request_type=pothole, citizen=None), 200)
    bench = factories.make_ticket(request_type=other, citizen=None)
    factories.make_ticket(request_type=pothole, citizen=None)
    params = {"service_request_id": f"{old.reference_display}, {bench.reference.lower()},NOPE", "service_code": "x",
              "status": "closed"}  # fmt: skip
    assert sorted(ids(client.get("/open311/v2/requests.json", params))) == sorted(
        [old.reference_display, bench.reference_display]
    )


def test_service_code_is_a_comma_list(client, pothole, commune):
    bench = factories.make_ticket(request_type=factories.RequestTypeFactory(slug="banc"), citizen=None)
    hole = factories.make_ticket(request_type=pothole, citizen=None)
    factories.make_ticket(request_type=factories.RequestTypeFactory(slug="lampadaire"), citizen=None)
    assert ids(client.get("/open311/v2/requests.json", {"service_code": "banc"})) == [bench.reference_display]
    found = ids(client.get("/open311/v2/requests.json", {"service_code": f"banc,{pothole.slug}"}))
    assert sorted(found) == sorted([bench.reference_display, hole.reference_display])


def test_page_and_page_size_newest_first(client, pothole):
    tickets = [aged(factories.make_ticket(request_type=pothole, citizen=None), days) for days in (5, 4, 3, 2, 1)]
    newest_first = [t.reference_display for t in reversed(tickets)]
    assert ids(client.get("/open311/v2/requests.json", {"page_size": "2"})) == newest_first[:2]
    assert ids(client.get("/open311/v2/requests.json", {"page_size": "2", "page": "3"})) == newest_first[4:]


def test_at_most_1000_results(client, pothole):
    now = timezone.now()
    for _ in range(1003):
        factories.raw_ticket(request_type=pothole, created_at=now, updated_at=now)
    assert len(client.get("/open311/v2/requests.json").json()) == 1000


def test_updated_after_and_before_filter_on_updated_datetime_beyond_90_days(client, pothole, agent):
    old = aged(factories.make_ticket(request_type=pothole, citizen=None), 200)
    untouched = aged(factories.make_ticket(request_type=pothole, citizen=None), 150)
    since = timezone.now() - datetime.timedelta(minutes=1)
    ticket_change_status(ticket=old, to_status=Status.IN_PROGRESS, actor=agent)
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client.get("/open311/v2/requests.json", {"updated_after": stamp})) == [old.reference_display]
    before = ids(client.get("/open311/v2/requests.json", {"updated_before": stamp}))
    assert before == [untouched.reference_display]


def test_list_queries_do_not_grow_with_the_results(client, pothole, django_assert_num_queries, agent):
    for _ in range(3):
        ticket = factories.make_ticket(request_type=pothole, citizen=None)
        ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    with django_assert_num_queries(1):
        assert len(client.get("/open311/v2/requests.xml").content) > 0
    with django_assert_num_queries(2):  # the tickets, then their public history
        data = client.get("/open311/v2/requests.json", {"extensions": "true"}).json()
    assert len(data) == 3 and all(len(item["notes"]) == 2 for item in data)
    for _ in range(5):
        factories.make_ticket(request_type=pothole, citizen=None)
    with django_assert_num_queries(2):
        assert len(client.get("/open311/v2/requests.json", {"extensions": "true"}).json()) == 8


def test_extensions_add_the_public_status_history_as_notes(client, pothole, agent):
    ticket = factories.make_ticket(request_type=pothole, citizen=None, channel=Channel.PHONE)
    ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    message_post_by_agent(ticket=ticket, agent=agent, body="Note interne", internal=True)
    ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent, reason="Doublon")
    ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    [item] = client.get(f"/open311/v2/requests/{ticket.reference_display}.json", {"extensions": "true"}).json()
    assert item["extended_attributes"] == {
        "guichet_status": "in_progress", "guichet_status_label": "En cours", "channel": "phone",
        "priority": "normale", "priority_label": ticket.priority.name,
    }  # fmt: skip
    notes = item["notes"]
    assert [(n["type"], n["extended_attributes"]["guichet_status"]) for n in notes] == [
        ("submitted", "received"), ("activity", "in_progress"), ("closed", "rejected"), ("opened", "in_progress"),
    ]  # fmt: skip
    assert [n["description"] for n in notes] == ["Reçue", "En cours", "Sans suite", "En cours"]
    assert all(n["datetime"].endswith("Z") for n in notes)
    root = parse_xml(client.get(f"/open311/v2/requests/{ticket.reference}.xml", {"extensions": "true"}))
    assert [note.findtext("type") for note in root.findall("request/notes/note")] == [n["type"] for n in notes]
    assert root.findtext("request/extended_attributes/guichet_status") == "in_progress"


def test_one_request_is_still_a_list_in_both_formats(client, pothole):
    ticket = factories.make_ticket(request_type=pothole, citizen=None)
    data = client.get(f"/open311/v2/requests/{ticket.reference_display}.json").json()
    assert isinstance(data, list) and data[0]["service_request_id"] == ticket.reference_display
    root = parse_xml(client.get(f"/open311/v2/requests/{ticket.reference.lower()}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [ticket.reference_display]
    assert "notes" not in data[0] and "extended_attributes" not in data[0]


def test_unknown_or_account_only_request_is_a_404_and_failures_are_rate_limited(client, pothole, settings):
    settings.GUICHET_LOOKUP_RATE = "2/m"  # blocked once failures exceed 2
    family = factories.RequestTypeFactory(slug="cantine", requires_account=True, service=pothole.service)
    hidden = factories.make_ticket(request_type=family, citizen=None)
    response = client.get(f"/open311/v2/requests/{hidden.reference}.xml")
    assert response.status_code == 404 and parse_xml(response).findtext("error/code") == "404"
    assert client.get("/open311/v2/requests/ABC.json").status_code == 404
    assert client.get("/open311/v2/tokens/ABC.json").status_code == 404
    response = client.get("/open311/v2/requests/ABC.json")
    assert response.status_code == 429 and response.json()[0]["code"] == 429
    assert hidden.reference_display not in client.get("/open311/v2/requests.json").content.decode()


def test_token_lookup_answers_with_the_service_request_id(client, pothole):
    ticket = posted(client, pothole)
    token = ticket.reference_display
    [item] = client.get(f"/open311/v2/tokens/{token}.json").json()
    assert item == {"service_request_id": ticket.reference_display, "token": token}
    root = parse_xml(client.get(f"/open311/v2/tokens/{token}.xml"))
    assert [child.tag for child in root.find("request")] == ["service_request_id", "token"]


def test_jurisdiction_is_checked_on_reads_too(client, pothole, settings):
    settings.OPEN311_JURISDICTION_ID = "ma-commune.fr"
    assert client.get("/open311/v2/requests.json", {"jurisdiction_id": "autre.fr"}).status_code == 404
    assert client.get("/open311/v2/requests.json", {"jurisdiction_id": ""}).status_code == 200


def test_no_personal_data_in_any_public_get(client, pothole, agent):
    """A ticket full of personal data: nothing of it comes out, whatever the endpoint, format or extension."""
    citizen = factories.CitizenFactory(
        first_name="Hélène", last_name="Lefèvre-Secret", email="helene.secret@example.org", phone="+33698765432",
        street="7 impasse des Lilas", postcode="69003", city="Lyon",
    )  # fmt: skip
    secrets = ["Lefèvre-Secret", "helene.secret", "698765432", "98 76 54 32", "impasse des Lilas", "69003",
               "Ma fille Zoé", "Réponse privée", "Note interne confidentielle", "Code porte 4521",
               "Doublon de la demande de Mme", "tel-4242", "compte-9999", "photos.example/zoe"]  # fmt: skip
    answers = [
        {"code": "description", "label": "Description", "kind": "long_text", "value": "Ma fille Zoé est tombée"},
        {"code": "contact", "label": "Contact", "kind": "email", "value": "helene.secret@example.org"},
        {"code": "adresse", "label": "Adresse", "kind": "address",
         "value": {"street": "7 impasse des Lilas", "postcode": "69003", "city": "Lyon"}},
    ]  # fmt: skip
    ticket = factories.make_ticket(request_type=pothole, citizen=citizen, answers=answers)
    message_post_by_citizen(ticket=ticket, body="Code porte 4521", channel=Channel.WEB)
    message_post_by_agent(ticket=ticket, agent=agent, body="Réponse privée à Mme Lefèvre-Secret")
    message_post_by_agent(ticket=ticket, agent=agent, body="Note interne confidentielle", internal=True)
    ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent, reason="Doublon de la demande de Mme")
    # And one from Open311 with the contact, device and account, and a photo link.
    api_ticket = posted(
        client, pothole, first_name="Hélène", last_name="Lefèvre-Secret", email="helene.secret@example.org",
        phone="06 98 76 54 32", device_id="tel-4242", account_id="compte-9999", description="Ma fille Zoé",
        media_url="https://photos.example/zoe.jpg",
    )  # fmt: skip
    urls = []
    for fmt in ("xml", "json"):
        urls += [f"/open311/v2/requests.{fmt}", f"/open311/v2/requests.{fmt}?extensions=true"]
        for one in (ticket, api_ticket):
            urls += [f"/open311/v2/requests/{one.reference_display}.{fmt}?extensions=true",
                     f"/open311/v2/tokens/{one.reference_display}.{fmt}"]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert ticket.reference_display in text or api_ticket.reference_display in text
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], (url, leaked)
    # The published location is the one sent as Open311's location, nothing else.
    [item] = client.get(f"/open311/v2/requests/{api_ticket.reference_display}.json").json()
    assert item["address"] == "Place de l'Hôtel de Ville, 75004 Paris"
    assert "description" not in item and "media_url" not in item


def test_family_request_types_stay_out_of_open311(client, request_type):
    family = factories.RequestTypeFactory(slug="cantine", service=request_type.service, requires_family_member=True)
    factories.make_ticket(request_type=family, citizen=factories.CitizenFactory())
    assert family.slug not in [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert client.get("/open311/v2/requests.json").json() == []
