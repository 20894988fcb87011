import pytest
from django.urls import reverse

from guichet.notifications.models import Notification, Template
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind, Message, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_agent(client, agent):
    client.force_login(agent)
    return agent


def act(client, ticket, name, **data):
    return client.post(reverse(f"backoffice:{name}", args=[ticket.reference]), {"version": ticket.version, **data})


def test_ticket_page_shows_everything_about_the_ticket(client, logged_agent, ticket):
    response = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    for text in (
        ticket.citizen.full_name,
        ticket.citizen.email,
        "06 12 34 56 78",
        "Trou profond",
        "Formulaire en ligne",
    ):
        assert text in response.text
    assert "Demande reçue" in response.text  # the timeline


def test_reply_asking_for_information_notifies_and_waits_for_the_citizen(client, logged_agent, ticket):
    response = act(client, ticket, "reply", body="Quel numéro de rue ?", then=Status.AWAITING_CITIZEN)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CITIZEN
    assert Notification.objects.filter(ticket=ticket, template=Template.INFO_REQUESTED).exists()
    page = client.get(response.url)
    assert "Votre réponse est envoyée" in page.text


def test_internal_note_is_marked_as_such(client, logged_agent, ticket):
    act(client, ticket, "note", body="Voir avec la voirie nord")
    note = Message.objects.get(ticket=ticket)
    assert note.visibility == Visibility.INTERNAL
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "message--internal" in page.text


def test_a_stale_form_is_refused_with_a_clear_message_and_keeps_the_text(client, logged_agent, ticket):
    stale_version = ticket.version
    act(client, ticket, "status", status=Status.IN_PROGRESS)
    response = client.post(
        reverse("backoffice:reply", args=[ticket.reference]), {"version": stale_version, "body": "Ma longue réponse"}
    )
    assert response.status_code == 409
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in response.text
    assert "Ma longue réponse" in response.text
    assert not Message.objects.exists()


def test_only_allowed_transitions_are_offered_and_accepted(client, logged_agent, ticket):
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    offered = [value for value, _ in page.context["status_form"].fields["status"].choices]
    assert Status.CLOSED not in offered and Status.IN_PROGRESS in offered
    response = act(client, ticket, "status", status=Status.CLOSED)
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_assign_to_me_then_to_nobody(client, logged_agent, ticket):
    act(client, ticket, "assign_to_me")
    ticket.refresh_from_db()
    assert ticket.assignee == logged_agent
    act(client, ticket, "assign", assignee="")
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert Event.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).count() == 2


def test_transfer_to_a_service_the_agent_does_not_see_returns_to_the_inbox(client, logged_agent, ticket, other_service):
    response = act(client, ticket, "transfer", service=other_service.pk, reason="Relève de l'état civil")
    assert response.status_code == 302
    assert response.url == reverse("backoffice:inbox")
    ticket.refresh_from_db()
    assert ticket.service == other_service


def test_transfer_needs_a_reason(client, logged_agent, ticket, other_service):
    response = act(client, ticket, "transfer", service=other_service.pk, reason="")
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.text


def test_ticket_page_query_count_does_not_grow_with_the_thread(
    client, logged_agent, ticket, django_assert_max_num_queries
):
    from guichet.tickets import services

    for index in range(10):
        services.message_post_by_agent(ticket=ticket, agent=logged_agent, body=f"Réponse {index}")
        services.message_post_by_agent(ticket=ticket, agent=logged_agent, body=f"Note {index}", internal=True)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert response.text.count('class="message message--agent') == 20
