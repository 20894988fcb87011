"""The permission rule, proven on every back-office view and action (refusals included)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

ACTIONS = {
    "reply": {"body": "Bonjour"},
    "note": {"body": "Note"},
    "status": {"status": Status.IN_PROGRESS},
    "assign": {"assignee": ""},
    "assign_to_me": {},
    "transfer": {"reason": "Pas chez nous"},
}


@pytest.fixture
def photo_ticket(request_type, citizen):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, format="PNG")
    upload = check_upload(SimpleUploadedFile("trou.png", buffer.getvalue()))
    return factories.make_ticket(request_type=request_type, citizen=citizen, uploads=[("photo", upload)])


def post_action(client, ticket, name, **extra):
    data = {"version": ticket.version, **ACTIONS[name], **extra}
    return client.post(reverse(f"backoffice:{name}", args=[ticket.reference]), data)


def test_anonymous_visitors_are_sent_to_the_login_page(client, ticket):
    for url in (reverse("backoffice:inbox"), reverse("backoffice:ticket", args=[ticket.reference])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("backoffice:login"))


def test_a_user_who_is_not_an_agent_is_refused(client, ticket):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("backoffice:inbox")).status_code == 403
    assert client.get(reverse("backoffice:ticket", args=[ticket.reference])).status_code == 403


def test_agent_of_the_service_sees_and_acts(client, agent, ticket):
    client.force_login(agent)
    assert ticket.reference_display in client.get(reverse("backoffice:inbox")).text
    assert client.get(reverse("backoffice:ticket", args=[ticket.reference])).status_code == 200
    assert post_action(client, ticket, "reply").status_code == 302
    assert Message.objects.filter(ticket=ticket, author=agent).exists()


def test_agent_of_another_service_gets_404_everywhere(client, other_agent, photo_ticket):
    ticket = photo_ticket
    client.force_login(other_agent)
    inbox = client.get(reverse("backoffice:inbox"), {"vue": "mon-service"})
    assert ticket.reference_display not in inbox.text
    assert ticket.reference_display not in client.get(reverse("backoffice:inbox"), {"q": ticket.reference}).text
    assert client.get(reverse("backoffice:ticket", args=[ticket.reference])).status_code == 404
    attachment = ticket.attachments.get()
    url = reverse("backoffice:attachment", args=[ticket.reference, attachment.public_id])
    assert client.get(url).status_code == 404
    for name in ACTIONS:
        assert post_action(client, ticket, name).status_code == 404, name
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.version) == (Status.RECEIVED, None, 1)
    assert not Message.objects.exists()


def test_supervisor_sees_every_service(client, supervisor, ticket):
    client.force_login(supervisor)
    response = client.get(reverse("backoffice:inbox"), {"vue": "toutes"})
    assert ticket.reference_display in response.text
    assert post_action(client, ticket, "status").status_code == 302


def test_the_all_view_is_for_supervisors_only(client, agent, other_service, request_type):
    other_ticket = factories.make_ticket(
        request_type=factories.RequestTypeFactory(service=other_service), citizen=factories.CitizenFactory()
    )
    client.force_login(agent)
    response = client.get(reverse("backoffice:inbox"), {"vue": "toutes"})
    assert "?vue=toutes" not in response.text
    assert other_ticket.reference_display not in response.text


def test_reception_reads_every_ticket_and_notes_but_changes_only_its_own(client, ticket, request_type):
    reception = factories.AgentFactory(role=Role.RECEPTION).user
    client.force_login(reception)
    assert client.get(reverse("backoffice:ticket", args=[ticket.reference])).status_code == 200
    assert post_action(client, ticket, "note").status_code == 302
    assert post_action(client, ticket, "status", version=ticket.version + 1).status_code == 404
    assert post_action(client, ticket, "reply", version=ticket.version + 1).status_code == 404
    own = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(), entered_by=reception)
    assert post_action(client, own, "status").status_code == 302


def test_attachments_of_a_visible_ticket_are_served_to_its_agents(client, agent, photo_ticket):
    client.force_login(agent)
    attachment = photo_ticket.attachments.get()
    response = client.get(reverse("backoffice:attachment", args=[photo_ticket.reference, attachment.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_login_page_logs_an_agent_in(client, agent):
    response = client.post(reverse("backoffice:login"), {"username": agent.username, "password": "mot-de-passe-test"})
    assert response.status_code == 302
    assert response.url == reverse("backoffice:inbox")


def test_wrong_password_gets_a_french_message(client, agent):
    response = client.post(reverse("backoffice:login"), {"username": agent.username, "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.text


def test_login_attempts_are_rate_limited(client, agent):
    for _ in range(10):
        client.post(reverse("backoffice:login"), {"username": agent.username, "password": "faux"})
    response = client.post(reverse("backoffice:login"), {"username": agent.username, "password": "mot-de-passe-test"})
    assert response.status_code == 429


def test_logout_is_a_post(client, agent):
    client.force_login(agent)
    response = client.post(reverse("backoffice:logout"))
    assert response.status_code == 302
    assert client.get(reverse("backoffice:inbox")).status_code == 302
    assert Ticket.objects.count() == 0
