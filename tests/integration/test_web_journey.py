"""The online channel end to end, with the real worker and a real local SMTP server."""

import email
import email.policy
import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from guichet.notifications.models import Notification
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Message, Ticket, TicketFacts
from tests.portal.test_submission import form_data


@pytest.mark.django_db(transaction=True)
def test_submit_acknowledge_open_link_and_reply(client, request_type, agent, smtp_server, run_worker, settings):
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), form_data())
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert list(Notification.objects.values_list("template", "recipient")) == [
        ("acknowledgement", "helene@example.org")
    ]
    # One task for the worker: the acknowledgement's delivery, the statistics' facts and the agents' alerts.
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "guichet.tickets.services.ticket_received"
    ]

    run_worker()
    assert TicketFacts.objects.filter(ticket=ticket).exists()
    alert = Notification.objects.get(template="ticket_entered_service")
    assert (alert.recipient, alert.status) == (agent.email, "sent")
    [envelope] = [e for e in smtp_server.envelopes if e.rcpt_tos == ["helene@example.org"]]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert ticket.reference_display in text
    link = re.search(re.escape(settings.SITE_URL) + r"(/suivi/\S+/acces/\S+/)", text).group(1)

    citizen = client_class_fresh(client)
    assert "Écrire à la mairie" not in citizen.get(reverse("portal:ticket", args=[ticket.reference])).text
    dashboard = citizen.get(link, follow=True)
    assert dashboard.status_code == 200
    assert "Écrire à la mairie" in dashboard.text

    services.message_post_by_agent(
        ticket=ticket, agent=agent, body="Le trou est-il sur le trottoir ?", new_status=Status.AWAITING_CITIZEN
    )
    assert "Le trou est-il sur le trottoir ?" in citizen.get(reverse("portal:ticket", args=[ticket.reference])).text
    reply = citizen.post(reverse("portal:reply", args=[ticket.reference]), {"body": "Sur la chaussée."})
    assert reply.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert list(Message.objects.filter(ticket=ticket).values_list("author_kind", "body")) == [
        ("agent", "Le trou est-il sur le trottoir ?"),
        ("citizen", "Sur la chaussée."),
    ]

    run_worker()
    subjects = [
        str(email.message_from_bytes(e.content, policy=email.policy.default)["Subject"]).strip()
        for e in smtp_server.envelopes
    ]
    assert any(s.startswith("Information demandée") for s in subjects)
    assert any("Nouveau message" in s for s in subjects)  # the service was alerted of the reply


def client_class_fresh(client):
    """A new browser: no cookie, no session."""
    return client.__class__()
