"""The legal hold: supervisors and administrators set and release it with a reason; the job skips it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from guichet.organisation.models import Role
from guichet.retention.job import apply_retention
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_ticket(ticket, agent):
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    ticket.refresh_from_db()
    return ticket


def url(ticket) -> str:
    return f"/agent/demandes/{ticket.reference}/gel/"


def test_a_supervisor_sets_then_releases_a_hold_with_a_reason_each_time(client, supervisor, closed_ticket):
    client.force_login(supervisor)
    page = client.get(f"/agent/demandes/{closed_ticket.reference}/")
    assert "Geler la conservation" in page.content.decode()
    response = client.post(url(closed_ticket), {"reason": "Contentieux au tribunal administratif"})
    assert response.status_code == 302
    closed_ticket.refresh_from_db()
    assert closed_ticket.legal_hold_at is not None
    assert closed_ticket.legal_hold_reason == "Contentieux au tribunal administratif"
    event = Event.objects.get(ticket=closed_ticket, kind=EventKind.LEGAL_HOLD_SET)
    assert event.actor == supervisor and event.data == {"reason": "Contentieux au tribunal administratif"}
    assert "Lever le gel" in client.get(f"/agent/demandes/{closed_ticket.reference}/").content.decode()

    assert client.post(url(closed_ticket), {"reason": "Jugement rendu"}).status_code == 302
    closed_ticket.refresh_from_db()
    assert closed_ticket.legal_hold_at is None and closed_ticket.legal_hold_reason == ""
    assert Event.objects.filter(ticket=closed_ticket, kind=EventKind.LEGAL_HOLD_RELEASED).count() == 1


@pytest.mark.parametrize("role", [Role.SERVICE_AGENT, Role.RECEPTION, Role.MAIL_ROOM])
def test_other_agents_are_refused_and_change_nothing(client, closed_ticket, service, role):
    user = factories.AgentFactory(role=role, services=[service]).user
    client.force_login(user)
    assert client.get(url(closed_ticket)).status_code == 403
    assert client.post(url(closed_ticket), {"reason": "Je gèle"}).status_code == 403
    closed_ticket.refresh_from_db()
    assert closed_ticket.legal_hold_at is None
    assert "Geler la conservation" not in client.get(f"/agent/demandes/{closed_ticket.reference}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.ticket_legal_hold_set(ticket=closed_ticket, actor=user, reason="Je gèle")


def test_anonymous_visitors_are_sent_to_sign_in(client, closed_ticket):
    response = client.post(url(closed_ticket), {"reason": "x"})
    assert response.status_code == 302 and "/agent/connexion/" in response["Location"]


def test_a_missing_or_too_long_reason_is_refused_in_french_keeping_the_text(client, supervisor, closed_ticket):
    client.force_login(supervisor)
    response = client.post(url(closed_ticket), {"reason": "  "})
    assert response.status_code == 400 and "Indiquez le motif." in response.content.decode()
    long_reason = "Contentieux " + "x" * 300
    response = client.post(url(closed_ticket), {"reason": long_reason})
    assert response.status_code == 400 and long_reason in response.content.decode()
    closed_ticket.refresh_from_db()
    assert closed_ticket.legal_hold_at is None


def test_an_unknown_reference_is_a_404(client, supervisor, db):
    client.force_login(supervisor)
    assert client.get("/agent/demandes/ZZZZZZZZZ/gel/").status_code == 404


def test_the_job_skips_a_held_ticket_and_takes_it_once_released(closed_ticket, supervisor):
    later = timezone.now() + datetime.timedelta(days=400)
    services.ticket_legal_hold_set(ticket=closed_ticket, actor=supervisor, reason="Enquête")
    report = apply_retention(now=later)
    assert report.held == 1 and not report.anonymised
    closed_ticket.refresh_from_db()
    assert closed_ticket.anonymised_at is None and closed_ticket.citizen is not None
    services.ticket_legal_hold_release(ticket=closed_ticket, actor=supervisor, reason="Classée")
    report = apply_retention(now=later)
    assert sum(report.anonymised.values()) == 1
    closed_ticket.refresh_from_db()
    assert closed_ticket.anonymised_at is not None and closed_ticket.citizen is None
