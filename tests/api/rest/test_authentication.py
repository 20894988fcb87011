"""Who may call the REST API: keys (401 without a valid one, 403 without the scope) and agents' sessions."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guichet.api.keys import api_key_create, api_key_revoke
from guichet.api.models import Scope
from tests import factories
from tests.api.rest.conftest import client_with_key

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["detail"]
    assert set(body) == {"status", "code", "detail", "fields"}
    return body


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer a b", "Bearer nodot", "Bearer abcd1234.wrong", "Token x.y"])
def test_a_missing_or_invalid_key_is_a_401_with_www_authenticate(ticket, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for url in (reverse("api:tickets"), reverse("api:ticket", args=[ticket.reference]), reverse("api:services")):
        response = client.get(url)
        assert_error(response, 401, "not_authenticated" if header is None else "authentication_failed")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_key_is_a_401(agent, ticket):
    key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=agent)
    client = client_with_key(raw)
    assert client.get(reverse("api:tickets")).status_code == 200
    api_key_revoke(key)
    assert_error(client.get(reverse("api:tickets")), 401, "authentication_failed")


def test_the_key_of_a_deactivated_agent_is_a_401(agent):
    _key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=agent)
    agent.is_active = False
    agent.save()
    assert_error(client_with_key(raw).get(reverse("api:tickets")), 401, "authentication_failed")


def test_token_keyword_is_accepted_too(agent):
    _key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(reverse("api:tickets")).status_code == 200


def test_each_endpoint_needs_its_scope(api_as, agent, ticket, request_type):
    read_only = api_as(agent, [Scope.TICKETS_READ])
    assert read_only.get(reverse("api:tickets")).status_code == 200
    assert read_only.get(reverse("api:ticket", args=[ticket.reference])).status_code == 200
    assert_error(read_only.get(reverse("api:services")), 403, "missing_scope")
    write = {"body": "Bonjour", "version": ticket.version}
    response = read_only.post(reverse("api:ticket_messages", args=[ticket.reference]), write, format="json")
    assert_error(response, 403, "missing_scope")
    response = read_only.post(reverse("api:tickets"), {"request_type": request_type.slug}, format="json")
    assert_error(response, 403, "missing_scope")
    catalogue_only = api_as(agent, [Scope.CATALOGUE_READ])
    assert catalogue_only.get(reverse("api:request_types")).status_code == 200
    assert_error(catalogue_only.get(reverse("api:tickets")), 403, "missing_scope")
    open311_only = api_as(agent, [Scope.OPEN311_WRITE])
    assert_error(open311_only.get(reverse("api:themes")), 403, "missing_scope")
    assert ticket.messages.count() == 0


def test_a_catalogue_key_needs_no_agent():
    _key, raw = api_key_create(name="Site de la ville", owner="Com", scopes=[Scope.CATALOGUE_READ])
    client = client_with_key(raw)
    assert client.get(reverse("api:themes")).status_code == 200
    assert_error(client.get(reverse("api:tickets")), 403, "missing_scope")


def test_a_key_acting_as_a_user_who_is_not_an_agent_is_refused(ticket):
    user = factories.UserFactory()
    _key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=user)
    assert_error(client_with_key(raw).get(reverse("api:tickets")), 403, "not_an_agent")


def test_an_agent_session_works_for_reads_and_needs_csrf_for_writes(agent, ticket):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(reverse("api:ticket", args=[ticket.reference])).status_code == 200
    response = client.post(reverse("api:ticket_messages", args=[ticket.reference]), {"body": "Bonjour"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["detail"]
    assert ticket.messages.count() == 0


def test_a_session_of_a_user_who_is_not_an_agent_is_refused(ticket):
    client = APIClient()
    client.force_login(factories.UserFactory())
    assert_error(client.get(reverse("api:tickets")), 403, "not_an_agent")
    assert_error(client.get(reverse("api:themes")), 403, "not_an_agent")


def test_the_key_records_its_last_use(agent):
    key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=agent)
    client_with_key(raw).get(reverse("api:tickets"))
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_requests_are_rate_limited_per_key(settings, agent):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/m"}}
    client = client_with_key(api_key_create(name="O", owner="D", scopes=[Scope.TICKETS_READ], user=agent)[1])
    other = client_with_key(api_key_create(name="P", owner="D", scopes=[Scope.TICKETS_READ], user=agent)[1])
    statuses = [client.get(reverse("api:tickets")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert other.get(reverse("api:tickets")).status_code == 200
    response = client.get(reverse("api:tickets"))
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_an_agent_session_writes_with_the_csrf_header_the_docs_page_sends(agent, ticket):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("api:ticket_messages", args=[ticket.reference]),
        {"body": "Bonjour", "internal": True},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    assert ticket.messages.get().author == agent


def test_the_schema_and_the_docs_are_public_and_self_hosted(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tickets/{reference}/status/" in spec["paths"]
    assert spec["components"]["securitySchemes"]["cleApi"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Clé d'API créée dans l'administration : « Authorization: Bearer <clé> ».",
    }
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert "http" not in docs.text.replace(docs.wsgi_request.build_absolute_uri("/"), "")
    assert "<style>" not in docs.text and "<script>" not in docs.text


def test_unknown_addresses_under_the_api_are_json_404s(api_as, agent):
    response = api_as(agent).get("/api/v1/nulle-part/")
    assert_error(response, 404, "not_found")
