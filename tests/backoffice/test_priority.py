"""The ticket page's priority and targets, the priority change, and the inbox's « Escalade » filter."""

import pytest
from django.db import connection
from django.urls import reverse

from guichet.backoffice import inbox
from guichet.organisation.models import Priority, Role
from guichet.tickets.models import EscalationStep, Event, EventKind, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


def change_priority(client, ticket, priority, version=None):
    return client.post(
        reverse("backoffice:priority", args=[ticket.reference]),
        {"version": version or ticket.version, "priority": priority.pk},
    )


@pytest.fixture
def urgent(db):
    return Priority.objects.get(slug="urgente")


def test_the_ticket_page_shows_the_priority_and_its_targets(client, agent, ticket):
    client.force_login(agent)
    response = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "Priorité et objectifs" in response.text
    assert "Normale" in response.text
    assert "Première réponse" in response.text and "Résolution" in response.text
    assert reverse("backoffice:priority", args=[ticket.reference]) in response.text


def test_an_agent_of_the_service_changes_the_priority(client, agent, ticket, urgent):
    client.force_login(agent)
    response = change_priority(client, ticket, urgent)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == urgent
    assert Event.objects.filter(ticket=ticket, kind=EventKind.PRIORITY_CHANGED, actor=agent).exists()
    page = client.get(response.url)
    assert "les objectifs de la demande sont recalculés" in page.text


def test_an_agent_of_another_service_may_not_change_the_priority(client, other_agent, ticket, urgent):
    client.force_login(other_agent)
    assert change_priority(client, ticket, urgent).status_code == 404
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normale"


def test_reception_reads_the_ticket_but_may_not_change_its_priority(client, ticket, urgent):
    reception = factories.AgentFactory(role=Role.RECEPTION).user
    client.force_login(reception)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert page.status_code == 200
    assert reverse("backoffice:priority", args=[ticket.reference]) not in page.text
    assert change_priority(client, ticket, urgent).status_code == 404
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normale"


def test_a_stale_form_or_an_unknown_priority_is_refused_in_french(client, agent, ticket, urgent):
    client.force_login(agent)
    stale = change_priority(client, ticket, urgent, version=ticket.version + 5)
    assert stale.status_code == 409
    missing = client.post(
        reverse("backoffice:priority", args=[ticket.reference]), {"version": ticket.version, "priority": 999}
    )
    assert missing.status_code == 400
    assert "Sélectionnez un choix valide" in missing.text
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normale"


def test_the_escalation_filter_shows_missed_or_about_to_be_missed_tickets(
    client, agent, request_type, django_assert_max_num_queries
):
    client.force_login(agent)
    urgent = Priority.objects.get(slug="urgente")
    calm = factories.raw_ticket(request_type=request_type)
    warned = factories.raw_ticket(request_type=request_type, escalation=EscalationStep.WARNING, priority=urgent)
    missed = [factories.raw_ticket(request_type=request_type, escalation=EscalationStep.MISSED) for _ in range(5)]

    def refs(**params):
        response = client.get(reverse("backoffice:inbox"), params)
        return {row.reference for row in response.context["page"].object_list}, response

    found, response = refs(escalade="bientot-depasse")
    assert found == {warned.reference}
    assert "Bientôt dépassé" in response.text and "Urgente" in response.text
    with django_assert_max_num_queries(12):
        found, response = refs(escalade="depasse")
    assert found == {ticket.reference for ticket in missed}
    assert "Objectif dépassé" in response.text
    found, _response = refs(escalade="n-importe-quoi")  # ignored, never a 500
    assert calm.reference in found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's plan")
def test_the_escalation_filter_reads_its_small_index(agent, request_type):
    for _ in range(60):
        factories.raw_ticket(request_type=request_type)
    factories.raw_ticket(request_type=request_type, escalation=EscalationStep.MISSED)
    queryset = inbox.apply_filters(inbox.view_queryset(agent, "toutes"), inbox.InboxFilters(escalation="depasse"))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.values_list("pk", flat=True)[:25].explain()
    assert "ticket_open_escalated" in plan
