"""The back office's permission rule, through the API: tests/backoffice/test_access.py, mirrored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Message
from tests import factories

pytestmark = pytest.mark.django_db

ACTIONS = {
    "ticket_messages": {"body": "Bonjour"},
    "ticket_status": {"status": Status.IN_PROGRESS},
    "ticket_assign": {"assignee": None},
    "ticket_transfer": {"service": "etat-civil", "reason": "Pas chez nous"},
}
NOTE = {"body": "Note", "internal": True}


@pytest.fixture
def photo_ticket(request_type, citizen):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, format="PNG")
    upload = check_upload(SimpleUploadedFile("trou.png", buffer.getvalue()))
    return factories.make_ticket(request_type=request_type, citizen=citizen, uploads=[("photo", upload)])


def post_action(client, ticket, name, **extra):
    data = {"version": ticket.version, **ACTIONS.get(name, {}), **extra}
    return client.post(reverse(f"api:{name}", args=[ticket.reference]), data, format="json")


def references_listed(client, **params) -> set[str]:
    return {row["reference"] for row in client.get(reverse("api:tickets"), params).json()["results"]}


def test_agent_of_the_service_sees_and_acts(api_as, agent, ticket, other_service):
    client = api_as(agent)
    assert references_listed(client) == {ticket.reference}
    assert client.get(reverse("api:ticket", args=[ticket.reference])).status_code == 200
    assert post_action(client, ticket, "ticket_messages").status_code == 201
    assert Message.objects.filter(ticket=ticket, author=agent).exists()


def test_agent_of_another_service_gets_404_everywhere(api_as, other_agent, photo_ticket):
    ticket = photo_ticket
    client = api_as(other_agent)
    assert references_listed(client) == set()
    assert references_listed(client, q=ticket.reference) == set()
    not_found = client.get(reverse("api:ticket", args=[ticket.reference]))
    unknown = client.get(reverse("api:ticket", args=["ZZZZZZZZZ"]))
    assert not_found.status_code == unknown.status_code == 404
    assert not_found.json() == unknown.json()
    attachment = ticket.attachments.get()
    url = reverse("api:ticket_attachment", args=[ticket.reference, attachment.public_id])
    assert client.get(url).status_code == 404
    for name in ACTIONS:
        assert post_action(client, ticket, name).status_code == 404, name
    assert post_action(client, ticket, "ticket_messages", **NOTE).status_code == 404
    # Even malformed input gets the 404 first: a 400 would confirm the ticket exists.
    assert post_action(client, ticket, "ticket_status", status="nonsense").status_code == 404
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.version) == (Status.RECEIVED, None, 1)
    assert not Message.objects.exists()


def test_supervisor_sees_every_service(api_as, supervisor, ticket, other_service):
    other = factories.make_ticket(request_type=factories.RequestTypeFactory(service=other_service), citizen=None)
    client = api_as(supervisor)
    assert references_listed(client) == {ticket.reference, other.reference}
    assert post_action(client, ticket, "ticket_status").status_code == 200


def test_service_agent_lists_only_the_services_tickets(api_as, agent, ticket, other_service):
    other = factories.make_ticket(request_type=factories.RequestTypeFactory(service=other_service), citizen=None)
    client = api_as(agent)
    assert references_listed(client) == {ticket.reference}
    assert references_listed(client, service="etat-civil") == set()
    assert client.get(reverse("api:ticket", args=[other.reference])).status_code == 404


def test_reception_reads_every_ticket_and_notes_but_changes_only_its_own(api_as, ticket, request_type):
    reception = factories.AgentFactory(role=Role.RECEPTION).user
    client = api_as(reception)
    assert client.get(reverse("api:ticket", args=[ticket.reference])).status_code == 200
    assert references_listed(client) == {ticket.reference}
    assert post_action(client, ticket, "ticket_messages", **NOTE).status_code == 201
    ticket.refresh_from_db()
    for name in ACTIONS:
        assert post_action(client, ticket, name).status_code == 404, name
    own = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(), entered_by=reception)
    assert post_action(client, own, "ticket_status").status_code == 200


def test_attachments_of_a_visible_ticket_are_served_to_its_agents(api_as, agent, photo_ticket):
    client = api_as(agent)
    detail = client.get(reverse("api:ticket", args=[photo_ticket.reference])).json()
    [meta] = detail["form_attachments"]
    assert meta["original_name"] == "trou.png" and meta["content_type"] == "image/png" and meta["size"] > 0
    response = client.get(reverse("api:ticket_attachment", args=[photo_ticket.reference, meta["public_id"]]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    missing = client.get(reverse("api:ticket_attachment", args=[photo_ticket.reference, "nope"]))
    assert missing.status_code == 404


def test_a_transfer_out_of_the_agents_services_is_the_last_thing_it_sees(api_as, agent, ticket, other_service):
    client = api_as(agent)
    response = post_action(client, ticket, "ticket_transfer")
    assert response.status_code == 200
    assert response.json()["service"]["slug"] == "etat-civil"
    assert client.get(reverse("api:ticket", args=[ticket.reference])).status_code == 404
