"""Open311 and REST query parameters and bodies fed hostile values: an answer in the API's own error format,
never a 5xx nor an exception."""

import json

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from tests.api.rest.conftest import client_with_key, key_for
from tests.fuzz.strategies import date_text, hostile_text

pytestmark = pytest.mark.django_db

OPEN311_DATES = ["start_date", "end_date", "updated_after", "updated_before"]
OPEN311_OTHERS = ["service_request_id", "service_code", "status", "page", "page_size", "extensions", "jurisdiction_id"]
open311_query = st.fixed_dictionaries(
    {}, optional={**{name: date_text for name in OPEN311_DATES}, **{name: hostile_text for name in OPEN311_OTHERS}}
)
open311_body = st.fixed_dictionaries(
    {},
    optional={
        **{
            name: hostile_text
            for name in [
                "lat",
                "long",
                "address_string",
                "address_id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "device_id",
                "account_id",
                "description",
                "media_url",
                "attribute[danger]",
                "attribute[genes][]",
                "attribute[nom]",
                "attribute[nombre]",
                "attribute[description]",
            ]
        },  # fmt: skip
        "attribute[vu_le]": date_text,
        "service_code": st.one_of(st.just("nid-de-poule"), hostile_text),
    },
)
REST_DATES = ["created_after", "created_before", "updated_after", "due_before", "due_after"]
REST_OTHERS = ["status", "service", "request_type", "channel", "assignee", "overdue", "q", "ordering", "cursor"]
rest_query = st.fixed_dictionaries(
    {}, optional={**{name: date_text for name in REST_DATES}, **{name: hostile_text for name in REST_OTHERS}}
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text
    | date_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=20,
)
rest_body = st.fixed_dictionaries(
    {},
    optional={
        "request_type": st.one_of(st.just("nid-de-poule"), hostile_text),
        "answers": st.one_of(
            st.dictionaries(st.sampled_from(["adresse", "description", "photo", "vu_le", "danger"]), json_values),
            json_values,
        ),
        "citizen": json_values,
        "channel": hostile_text,
        "submission_key": hostile_text,
    },
)
# Raw bodies: broken JSON, deep nesting, other encodings.
raw_bodies = st.one_of(
    st.integers(min_value=1, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=1, max_value=100_000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.binary(max_size=200).map(lambda data: data.decode("latin-1")),
    hostile_text,
)


def open311_reply_is_well_formed(response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert body and all({"code", "description"} <= set(item) for item in body)


@pytest.mark.slow
def test_open311_list_parameters(client, pothole, no_rate_limits):
    @settings(max_examples=80)
    @given(query=open311_query)
    @example(query={"start_date": "9999-12-31"})
    @example(query={"end_date": "0001-01-01"})
    @example(query={"updated_before": "0001-01-01T00:00:00+01:00"})
    def run(query: dict) -> None:
        open311_reply_is_well_formed(client.get("/open311/v2/requests.json", query), {200, 400, 404})

    run()


@pytest.mark.slow
def test_open311_post_bodies(client, pothole, no_rate_limits):
    _key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])

    @settings(max_examples=60)
    @given(body=open311_body)
    @example(body={"service_code": "nid-de-poule", "address_id": "1", "attribute[vu_le]": "9999-12-31T23:59:59-05:00"})
    def run(body: dict) -> None:
        response = client.post("/open311/v2/requests.json", {"api_key": raw, **body})
        open311_reply_is_well_formed(response, {201, 400, 404})

    run()


def rest_reply_is_well_formed(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"status", "code", "detail", "fields"}


@pytest.mark.slow
def test_rest_ticket_list_parameters(supervisor, request_type, no_rate_limits):
    client = client_with_key(key_for(supervisor))

    @settings(max_examples=80)
    @given(query=rest_query)
    @example(query={"created_after": "0001-01-01"})
    @example(query={"due_after": "9999-12-31"})
    def run(query: dict) -> None:
        rest_reply_is_well_formed(client.get(reverse("api:tickets"), query))

    run()


@pytest.mark.slow
def test_rest_ticket_creation_bodies(supervisor, request_type, no_rate_limits):
    client = client_with_key(key_for(supervisor))

    @settings(max_examples=60)
    @given(body=rest_body)
    def run(body: dict) -> None:
        rest_reply_is_well_formed(client.post(reverse("api:tickets"), body, format="json"))

    run()


def test_rest_raw_json_bodies(supervisor, no_rate_limits):
    client = client_with_key(key_for(supervisor))

    @settings(max_examples=40)
    @given(body=raw_bodies)
    def run(body: str) -> None:
        response = client.post(
            reverse("api:tickets"), body.encode("utf-8", "surrogatepass"), content_type="application/json"
        )
        rest_reply_is_well_formed(response)

    run()
