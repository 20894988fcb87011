"""Priorities in the REST API (a ticket's priority and targets; the change, through tickets.services) and in
Open311 (an extended attribute: GeoReport v2 has no priority field)."""

import datetime

import pytest
from django.urls import reverse

from guichet.api.models import Scope
from guichet.organisation.models import Priority, Role
from guichet.tickets.models import Event, EventKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def urgent(db):
    return Priority.objects.get(slug="urgente")


def change(client, ticket, priority_slug, version=None):
    return client.post(
        reverse("api:ticket_priority", args=[ticket.reference]),
        {"priority": priority_slug, "version": version or ticket.version},
        format="json",
    )


def test_a_ticket_reads_with_its_priority_and_targets(api_as, agent, ticket):
    client = api_as(agent)
    detail = client.get(reverse("api:ticket", args=[ticket.reference])).json()
    assert detail["priority"] == {"slug": "normale", "name": ticket.priority.name}
    assert detail["first_response_due"] and detail["resolution_due"]
    assert detail["first_response_due"] <= detail["resolution_due"]
    [row] = client.get(reverse("api:tickets")).json()["results"]
    assert row["priority"]["slug"] == "normale" and row["resolution_due"] == detail["resolution_due"]


def test_the_list_reads_the_priorities_without_a_query_per_ticket(
    api_as, agent, request_type, urgent, django_assert_max_num_queries
):
    client = api_as(agent)
    for _ in range(2):
        factories.raw_ticket(request_type=request_type, priority=urgent)
    client.get(reverse("api:tickets"))
    with django_assert_max_num_queries(5) as few:
        assert len(client.get(reverse("api:tickets")).json()["results"]) == 2
    for _ in range(10):
        factories.raw_ticket(request_type=request_type, priority=urgent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get(reverse("api:tickets")).json()["results"]
    assert {row["priority"]["slug"] for row in rows} == {"urgente"}


def test_an_agent_key_changes_the_priority_and_the_targets_follow(api_as, agent, ticket, urgent):
    before = ticket.resolution_due
    response = change(api_as(agent), ticket, "urgente")
    assert response.status_code == 200
    body = response.json()
    assert body["priority"]["slug"] == "urgente" and body["version"] == ticket.version + 1
    ticket.refresh_from_db()
    assert ticket.priority == urgent and ticket.resolution_due < before
    assert datetime.datetime.fromisoformat(body["resolution_due"]) == ticket.resolution_due
    event = Event.objects.get(ticket=ticket, kind=EventKind.PRIORITY_CHANGED)
    assert event.actor == agent and event.data["priority"] == urgent.name


def test_changing_the_priority_needs_the_write_scope(api_as, agent, ticket):
    response = change(api_as(agent, [Scope.TICKETS_READ]), ticket, "urgente")
    assert response.status_code == 403 and response.json()["code"] == "missing_scope"
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normale"


@pytest.mark.parametrize("who", ["other_service", "reception"])
def test_agents_without_the_right_get_the_404_of_an_unknown_ticket(api_as, other_agent, ticket, who):
    user = other_agent if who == "other_service" else factories.AgentFactory(role=Role.RECEPTION).user
    response = change(api_as(user), ticket, "urgente")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normale"


def test_unknown_same_or_stale_priority_changes_are_refused_in_french(api_as, agent, ticket):
    client = api_as(agent)
    unknown = change(client, ticket, "tres-urgente")
    assert unknown.status_code == 400 and "priority" in unknown.json()["fields"]
    same = change(client, ticket, "normale")
    assert same.status_code == 409 and same.json()["code"] == "same_priority"
    assert "a déjà la priorité" in same.json()["detail"]
    stale = change(client, ticket, "urgente", version=ticket.version + 3)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    missing = client.post(
        reverse("api:ticket_priority", args=[ticket.reference]), {"priority": "urgente"}, format="json"
    )
    assert missing.status_code == 400 and "version" in missing.json()["fields"]
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.PRIORITY_CHANGED).exists()


def test_the_priorities_are_in_the_catalogue(api_as, agent):
    response = api_as(agent, [Scope.CATALOGUE_READ]).get(reverse("api:priorities"))
    assert response.status_code == 200
    rows = response.json()
    assert [row["slug"] for row in rows] == list(Priority.objects.values_list("slug", flat=True))
    normal = next(row for row in rows if row["slug"] == "normale")
    assert normal["is_default"] and normal["first_response_unit"] in {"days", "hours"}


def test_the_schema_documents_the_priority(client):
    spec = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/tickets/{reference}/priority/" in spec["paths"]
    assert "/api/v1/priorities/" in spec["paths"]
    ticket_schema = spec["components"]["schemas"]["Ticket"]["properties"]
    assert {"priority", "first_response_due", "resolution_due"} <= set(ticket_schema)


def test_open311_gives_the_priority_as_an_extended_attribute_only(client, ticket, urgent):
    url = reverse("open311:request", args=[ticket.reference_display, "json"])
    [plain] = client.get(url).json()
    assert "priority" not in str(plain)
    [extended] = client.get(url, {"extensions": "true"}).json()
    assert extended["extended_attributes"]["priority"] == "normale"
    assert extended["extended_attributes"]["priority_label"] == ticket.priority.name
    from tests.api.conftest import parse_xml

    root = parse_xml(client.get(reverse("open311:request", args=[ticket.reference, "xml"]), {"extensions": "true"}))
    assert root.findtext("request/extended_attributes/priority") == "normale"


def test_the_schema_builds_without_a_warning(tmp_path):
    """A priority's two target units share one enum: without its name in ENUM_NAME_OVERRIDES, drf-spectacular
    warns, and ``check --deploy`` fails."""
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
