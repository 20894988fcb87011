"""The REST API answers 400 in its error format, never 500, for dates out of range and deeply nested JSON."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "date hors des limites acceptées (du 01/01/1900 au 31/12/2999)."


@pytest.mark.parametrize(
    "params",
    [
        {"created_after": "0001-01-01"},
        {"created_after": "0001-01-01T00:00:00+01:00"},
        {"created_before": "9999-12-31T23:59:59-10:00"},
        {"updated_after": "9999-12-31T23:59:59"},
        {"due_before": "0001-01-01"},
        {"due_after": "9999-12-31"},
    ],
)
def test_date_filters_out_of_range_are_a_400_naming_the_parameter(api_as, supervisor, request_type, params):
    response = api_as(supervisor).get(reverse("api:tickets"), params)
    assert response.status_code == 400, response.content
    error = response.json()
    [name] = params
    assert error["code"] == "validation_error" and error["fields"] == {name: [OUT_OF_RANGE]}


def test_date_filters_at_the_edges_of_the_range_work(api_as, supervisor, ticket):
    params = {"created_after": "1900-01-01T00:00:00+14:00", "due_before": "2999-12-31"}
    response = api_as(supervisor).get(reverse("api:tickets"), params)
    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.parametrize("depth", [33, 2_000, 200_000])
def test_deeply_nested_json_body_is_a_400_parse_error(api_as, supervisor, request_type, depth):
    body = '{"request_type": ' + "[" * depth + "]" * depth + "}"
    response = api_as(supervisor).post(reverse("api:tickets"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "parse_error",
        "detail": "JSON trop imbriqué (32 niveaux au plus).",
        "fields": {},
    }


def test_brackets_inside_strings_do_not_count_as_nesting(api_as, supervisor, request_type):
    body = '{"request_type": "' + "[{" * 5000 + '\\"]"}'
    response = api_as(supervisor).post(reverse("api:tickets"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_nesting_within_the_limit_is_read(api_as, supervisor, request_type, settings):
    settings.GUICHET_API_JSON_MAX_DEPTH = 3
    body = '{"request_type": "x", "answers": {"a": [1]}}'
    response = api_as(supervisor).post(reverse("api:tickets"), body, content_type="application/json")
    assert response.json()["code"] == "validation_error"  # read, then refused for its content
    body = '{"request_type": "x", "answers": {"a": [[1]]}}'
    response = api_as(supervisor).post(reverse("api:tickets"), body, content_type="application/json")
    assert response.json()["detail"] == "JSON trop imbriqué (3 niveaux au plus)."


def test_invalid_json_and_nan_are_parse_errors(api_as, supervisor):
    for body in ('{"a": ', '{"a": NaN}', b'{"a": "\xff"}'):
        response = api_as(supervisor).post(reverse("api:tickets"), body, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "parse_error"
