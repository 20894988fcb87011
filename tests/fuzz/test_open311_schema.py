"""Schemathesis on Open311: the spec has no OpenAPI description, so this one is written from the GeoReport v2
notes, for what partners call: the list with its filters (dates at the edges, see tests/api/rest/test_fuzz.py),
one request, the services and a POST. No 5xx, only the documented codes, always the spec's JSON."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from guichet.api.keys import api_key_create
from guichet.api.models import Scope

# Registers the date and date-time strategies with the edges, and gives the WSGI connection fixture.
from tests.api.rest.test_fuzz import wsgi_keeps_the_test_connection  # noqa: F401

ERROR = {"type": "array", "items": {"type": "object", "required": ["code", "description"]}}
LIST = {"type": "array", "items": {"type": "object"}}


def answers(*codes: int, success: dict = LIST) -> dict:
    return {
        str(code): {
            "description": str(code),
            "content": {"application/json": {"schema": success if code < 400 else ERROR}},
        }
        for code in codes
    }


def query(name: str, fmt: str | None = None) -> dict:
    schema = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"in": "query", "name": name, "required": False, "schema": schema}


OPEN311 = {
    "openapi": "3.0.3",
    "info": {"title": "Open311 GeoReport v2 (Guichet)", "version": "2"},
    "paths": {
        "/open311/v2/requests.json": {
            "get": {
                "parameters": [
                    *(
                        query(name, "date-time")
                        for name in ("start_date", "end_date", "updated_after", "updated_before")
                    ),
                    *(
                        query(name)
                        for name in (
                            "service_request_id",
                            "service_code",
                            "status",
                            "page",
                            "page_size",
                            "extensions",
                            "jurisdiction_id",
                        )
                    ),  # fmt: skip
                ],
                "responses": answers(200, 400, 404, 405, 429),
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["api_key", "service_code"],
                                "properties": {
                                    "api_key": {"type": "string"},
                                    "service_code": {"type": "string"},
                                    "lat": {"type": "string"},
                                    "long": {"type": "string"},
                                    "address_string": {"type": "string"},
                                    "address_id": {"type": "string"},
                                    "email": {"type": "string"},
                                    "phone": {"type": "string"},
                                    "first_name": {"type": "string"},
                                    "last_name": {"type": "string"},
                                    "description": {"type": "string"},
                                    "media_url": {"type": "string"},
                                    "attribute[vu_le]": {"type": "string", "format": "date-time"},
                                    "attribute[danger]": {"type": "string"},
                                },  # fmt: skip
                            }
                        }
                    },
                },
                "responses": answers(201, 400, 403, 404, 429),
            },
        },
        "/open311/v2/requests/{service_request_id}.json": {
            "get": {
                "parameters": [
                    {
                        "in": "path",
                        "name": "service_request_id",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"},
                    },
                    query("extensions"),
                ],  # fmt: skip
                "responses": answers(200, 400, 404, 429),
            }
        },
        "/open311/v2/services.json": {
            "get": {"parameters": [query("jurisdiction_id")], "responses": answers(200, 400, 404)}
        },
    },
}

schema = schemathesis.openapi.from_dict(OPEN311)
_application = get_wsgi_application()


def _with_client_address(environ, start_response):
    """Werkzeug's test client sets no REMOTE_ADDR, which every real server does (the lookups are limited by it)."""
    return _application({"REMOTE_ADDR": "192.0.2.10", **environ}, start_response)


schema.app = _with_client_address
schema.location = "/openapi.json"  # paths are absolute on the application itself
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance]  # fmt: skip


@pytest.fixture
def open311_world(db, pothole, no_rate_limits):
    _key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    return {"key": raw, "slug": pothole.slug}


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_keeps_the_test_connection")
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_open311_honours_its_description(case, open311_world):
    if isinstance(case.body, dict):
        # Half the posts with a real key and type, to reach the attributes and their dates.
        case.body = {**case.body, "api_key": open311_world["key"], "service_code": open311_world["slug"]}
    case.call_and_validate(checks=CHECKS)
