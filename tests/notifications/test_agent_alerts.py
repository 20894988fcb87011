import email
import email.policy

import pytest
from django.core.management import call_command
from django.urls import reverse

from guichet.notifications.digests import agent_digests_send
from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.organisation.models import AlertMode, Role
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel
from tests import factories

pytestmark = pytest.mark.django_db
# The alerts fan out in the worker (notifications.services.alert_service_agents): those tests run it for real.
with_worker = pytest.mark.django_db(transaction=True)


def alerts(template, **filters):
    return Notification.objects.filter(template=template, **filters)


@with_worker
def test_a_new_ticket_alerts_the_service_agents_but_not_others(
    request_type, citizen, agent, other_agent, supervisor, run_worker
):
    factories.AgentFactory(role=Role.RECEPTION, services=[request_type.service])
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    assert not alerts(Template.TICKET_ENTERED_SERVICE).exists()  # not in the citizen's request
    run_worker()
    assert list(alerts(Template.TICKET_ENTERED_SERVICE).values_list("recipient", flat=True)) == [agent.email]
    assert alerts(Template.TICKET_ENTERED_SERVICE).get().ticket == ticket


@with_worker
def test_a_transfer_alerts_the_new_service(ticket, other_agent, supervisor, other_service, run_worker):
    services.ticket_transfer(ticket=ticket, service=other_service, actor=supervisor, reason="Erreur d'aiguillage")
    run_worker()
    assert alerts(Template.TICKET_ENTERED_SERVICE, recipient=other_agent.email).count() == 1


def test_a_citizen_reply_alerts_the_assigned_agent(ticket, agent):
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    services.message_post_by_citizen(ticket=ticket, body="Merci", channel=Channel.WEB)
    alert = alerts(Template.CITIZEN_REPLIED).get()
    assert (alert.recipient, alert.status) == (agent.email, DeliveryStatus.PENDING)


@with_worker
def test_digest_agents_get_their_alerts_held_then_grouped_in_one_email(
    request_type, citizen, agent, smtp_server, run_worker
):
    agent.agent.alert_mode = AlertMode.DIGEST
    agent.agent.save()
    first = factories.make_ticket(request_type=request_type, citizen=citizen)
    second = factories.make_ticket(request_type=request_type, citizen=citizen)
    run_worker()
    held = alerts(Template.TICKET_ENTERED_SERVICE, recipient=agent.email)
    assert set(held.values_list("status", flat=True)) == {DeliveryStatus.HELD}

    assert agent_digests_send() == 1
    assert agent_digests_send() == 0  # nothing left to send
    assert set(held.values_list("status", flat=True)) == {DeliveryStatus.DIGESTED}
    digest = alerts(Template.AGENT_DIGEST).get()
    assert digest.recipient == agent.email

    run_worker()
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.SENT
    [envelope] = [e for e in smtp_server.envelopes if e.rcpt_tos == [agent.email]]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert "2 alertes" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    assert first.reference_display in text and second.reference_display in text
    assert f"/agent/demandes/{first.reference}/" in text


@with_worker
def test_the_digest_command_reports_what_it_queued(request_type, citizen, agent, run_worker):
    agent.agent.alert_mode = AlertMode.DIGEST
    agent.agent.save()
    factories.make_ticket(request_type=request_type, citizen=citizen)
    run_worker()
    from io import StringIO

    out = StringIO()
    call_command("send_agent_digests", stdout=out)
    assert "1 récapitulatif" in out.getvalue()


@with_worker
def test_immediate_alert_email_links_to_the_back_office(agent, ticket, smtp_server, run_worker):
    run_worker()
    alert = alerts(Template.TICKET_ENTERED_SERVICE, recipient=agent.email).get()
    assert alert.status == DeliveryStatus.SENT
    [envelope] = [e for e in smtp_server.envelopes if e.rcpt_tos == [agent.email]]
    text = email.message_from_bytes(envelope.content, policy=email.policy.default).get_body(("plain",)).get_content()
    assert f"/agent/demandes/{ticket.reference}/" in text
    assert "/acces/" not in text  # agents never receive a citizen's personal link


def test_agent_chooses_the_alert_mode_on_the_preferences_page(client, agent):
    client.force_login(agent)
    assert "Un récapitulatif par jour" in client.get(reverse("backoffice:preferences")).text
    response = client.post(reverse("backoffice:preferences"), {"alert_mode": AlertMode.DIGEST})
    assert response.status_code == 302
    agent.agent.refresh_from_db()
    assert agent.agent.alert_mode == AlertMode.DIGEST
    assert client.post(reverse("backoffice:preferences"), {"alert_mode": "jamais"}).status_code == 400


def test_preferences_page_is_for_agents_only(client):
    assert client.get(reverse("backoffice:preferences")).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(reverse("backoffice:preferences")).status_code == 403


@with_worker
def test_a_ticket_moved_before_the_worker_ran_alerts_each_service_once(
    request_type, citizen, agent, other_agent, supervisor, other_service, run_worker
):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.ticket_transfer(ticket=ticket, service=other_service, actor=supervisor, reason="Erreur d'aiguillage")
    run_worker()
    assert alerts(Template.TICKET_ENTERED_SERVICE, recipient=other_agent.email).count() == 1
    assert alerts(Template.TICKET_ENTERED_SERVICE, recipient=agent.email).count() == 0
