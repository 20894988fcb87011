import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.tickets.models import Event, EventKind
from tests import factories
from tests.conftest import free_port

with_worker = pytest.mark.django_db(transaction=True)


def acknowledgements():
    return Notification.objects.filter(template=Template.ACKNOWLEDGEMENT)


@with_worker
def test_smtp_down_mid_run_then_back_delivers_every_notification_once(request_type, smtp_server, run_worker, settings):
    working_port = settings.EMAIL_PORT
    citizens = [factories.CitizenFactory(email=f"usager{n}@example.org") for n in range(3)]
    for citizen in citizens:
        factories.make_ticket(request_type=request_type, citizen=citizen)
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = free_port(), 2  # the SMTP server is unreachable
    run_worker()
    assert set(acknowledgements().values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert smtp_server.envelopes == []

    settings.EMAIL_PORT = working_port  # it is back; the retries come due
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    run_worker()  # a second pass finds nothing left to send
    assert set(acknowledgements().values_list("status", flat=True)) == {DeliveryStatus.SENT}
    delivered = Counter(tuple(envelope.rcpt_tos) for envelope in smtp_server.envelopes)
    assert delivered == Counter({(c.email,): 1 for c in citizens})


@with_worker
def test_a_notification_left_sending_by_a_crashed_worker_is_sent_again(ticket, smtp_server, run_worker):
    stuck = acknowledgements().get()
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    Notification.objects.filter(pk=stuck.pk).update(status=DeliveryStatus.SENDING, last_attempt_at=long_ago)
    DBTaskResult.objects.all().delete()  # the crashed worker's task is gone
    call_command("requeue_stuck_notifications", verbosity=0)
    run_worker()
    stuck.refresh_from_db()
    assert stuck.status == DeliveryStatus.SENT
    assert [e.rcpt_tos for e in smtp_server.envelopes].count([ticket.citizen.email]) == 1


@pytest.mark.django_db
def test_a_recent_sending_notification_is_left_alone(ticket):
    from guichet.notifications.sweep import recovery_sweep

    Notification.objects.update(status=DeliveryStatus.SENDING, last_attempt_at=timezone.now())
    assert recovery_sweep().total == 0


def make_failed(ticket):
    notification = acknowledgements().get(ticket=ticket)
    Notification.objects.filter(pk=notification.pk).update(
        status=DeliveryStatus.FAILED, attempts=6, last_error="SMTPRecipientsRefused: 550 unknown user"
    )
    return notification


@pytest.mark.django_db
def test_failed_notifications_are_listed_for_the_services_agents_only(client, agent, other_agent, ticket):
    make_failed(ticket)
    client.force_login(agent)
    page = client.get(reverse("backoffice:failed_notifications"))
    assert ticket.reference_display in page.text and "550 unknown user" in page.text
    client.force_login(other_agent)
    assert ticket.reference_display not in client.get(reverse("backoffice:failed_notifications")).text


@pytest.mark.django_db
def test_resend_to_a_corrected_address_updates_the_citizen_and_queues_it(client, agent, ticket):
    notification = make_failed(ticket)
    client.force_login(agent)
    url = reverse("backoffice:resend_notification", args=[notification.uuid])
    response = client.post(url, {"recipient": "Helene.Lefevre@Example.net "})
    assert response.status_code == 302
    notification.refresh_from_db()
    ticket.citizen.refresh_from_db()
    assert (notification.status, notification.attempts, notification.recipient) == (
        DeliveryStatus.PENDING,
        0,
        "helene.lefevre@example.net",
    )
    assert ticket.citizen.email == "helene.lefevre@example.net"
    event = Event.objects.get(ticket=ticket, kind=EventKind.NOTIFICATION_RESENT)
    assert (event.actor, event.data["previous"]) == (agent, "helene.lefevre@example.org")
    assert "Notification renvoyée" in client.get(response.url).text
    assert client.post(url, {"recipient": ""}).status_code == 404  # no longer failed: not listed


@pytest.mark.django_db
def test_a_malformed_address_is_refused_in_french(client, agent, ticket):
    notification = make_failed(ticket)
    client.force_login(agent)
    url = reverse("backoffice:resend_notification", args=[notification.uuid])
    page = client.get(client.post(url, {"recipient": "pas-une-adresse"}).url)
    assert "Saisissez une adresse de courriel valide." in page.text
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_another_services_failed_notification_cannot_be_resent(client, other_agent, ticket):
    notification = make_failed(ticket)
    client.force_login(other_agent)
    response = client.post(reverse("backoffice:resend_notification", args=[notification.uuid]), {})
    assert response.status_code == 404


@pytest.mark.django_db
def test_citizens_waiting_past_the_delay_get_one_reminder_per_wait(ticket, agent, commune):
    from guichet.notifications.reminders import reminders_send
    from guichet.tickets import services

    services.message_post_by_agent(ticket=ticket, agent=agent, body="Une photo ?", new_status="awaiting_citizen")
    ticket.refresh_from_db()
    now = ticket.status_changed_at + datetime.timedelta(days=commune.reminder_after_days, hours=1)
    assert reminders_send(now=ticket.status_changed_at + datetime.timedelta(days=1)) == 0  # too early
    assert reminders_send(now=now) == 1
    assert reminders_send(now=now + datetime.timedelta(days=1)) == 0  # not every day
    reminder = Notification.objects.get(template=Template.REMINDER)
    assert reminder.recipient == ticket.citizen.email


@pytest.mark.django_db
def test_no_reminder_when_the_commune_turned_them_off(ticket, agent, commune):
    from guichet.notifications.reminders import reminders_send
    from guichet.organisation.models import Commune
    from guichet.tickets import services

    Commune.objects.filter(pk=commune.pk).update(reminder_after_days=0)
    Commune.forget_cached()
    services.message_post_by_agent(ticket=ticket, agent=agent, body="?", new_status="awaiting_citizen")
    assert reminders_send(now=timezone.now() + datetime.timedelta(days=60)) == 0


@with_worker
def test_the_reminder_email_carries_a_personal_link(ticket, agent, smtp_server, run_worker):
    from guichet.notifications.reminders import reminders_send
    from guichet.tickets import services

    services.message_post_by_agent(ticket=ticket, agent=agent, body="Une photo ?", new_status="awaiting_citizen")
    ticket.refresh_from_db()
    reminders_send(now=ticket.status_changed_at + datetime.timedelta(days=30))
    run_worker()
    import email as email_lib
    import email.policy

    [envelope] = [e for e in smtp_server.envelopes if b"Rappel" in e.content or b"attend votre r" in e.content]
    message = email_lib.message_from_bytes(envelope.content, policy=email.policy.default)
    assert "/acces/" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_reception_sees_a_failed_notification_but_cannot_redirect_it(client, ticket):
    from guichet.organisation.models import Role

    notification = make_failed(ticket)
    reception = factories.AgentFactory(role=Role.RECEPTION, services=[ticket.service]).user
    client.force_login(reception)
    response = client.post(
        reverse("backoffice:resend_notification", args=[notification.uuid]), {"recipient": "autre@example.org"}
    )
    assert response.status_code == 404
    ticket.citizen.refresh_from_db()
    assert ticket.citizen.email != "autre@example.org"
