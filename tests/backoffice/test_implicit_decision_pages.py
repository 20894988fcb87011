"""The agents' side of the implicit-decision clock: asking for missing documents, marking them received, the
date on the ticket page and in the inbox, the "décision implicite proche" filter; refusals for others."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.catalogue.models import LegalRegime
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import DocumentRequest, EventKind, Ticket
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sva(service, commune):
    return factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVA, name="Occupation du domaine public"
    )


@pytest.fixture
def sva_ticket(sva, citizen):
    return factories.make_ticket(request_type=sva, citizen=citizen)


def post(client, ticket, name, **data):
    return client.post(reverse(f"backoffice:{name}", args=[ticket.reference]), {"version": ticket.version, **data})


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_the_ticket_page_shows_the_date_and_the_action(client, agent, sva_ticket):
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[sva_ticket.reference])).text
    assert "Silence vaut acceptation" in page
    assert "décision implicite le" in page
    assert "Demander des pièces manquantes" in page


def test_asking_then_receiving_documents_from_the_ticket_page(client, agent, sva_ticket):
    client.force_login(agent)
    response = post(
        client, sva_ticket, "documents_request", items="Plan de situation\n\n- Photo du lieu", deadline=in_days(15)
    )
    assert response.status_code == 302
    sva_ticket.refresh_from_db()
    assert sva_ticket.status == Status.AWAITING_CITIZEN and sva_ticket.implicit_decision_on is None
    assert DocumentRequest.objects.get(ticket=sva_ticket).items == ["Plan de situation", "Photo du lieu"]
    page = client.get(response.url).text
    assert "Délai suspendu" in page and "Photo du lieu" in page and "Marquer les pièces comme reçues" in page

    response = post(client, sva_ticket, "documents_received", received_on=timezone.localdate().isoformat())
    assert response.status_code == 302
    sva_ticket.refresh_from_db()
    assert sva_ticket.implicit_decision_on is not None
    assert sva_ticket.events.filter(kind=EventKind.DOCUMENTS_RECEIVED).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"items": "  \n ", "deadline": in_days(15)}, "Ce champ est obligatoire"),
        ({"items": "Plan", "deadline": "demain"}, "Saisissez une date valide"),
        ({"items": "Plan", "deadline": in_days(0)}, "doit se terminer après aujourd"),
    ],
)
def test_bad_input_is_refused_in_french_and_keeps_the_text(client, agent, sva_ticket, data, message):
    client.force_login(agent)
    response = post(client, sva_ticket, "documents_request", **data)
    assert response.status_code in (400, 409)
    assert message in response.text
    if data["items"].strip():
        assert data["items"] in response.text
    assert not DocumentRequest.objects.exists()


def test_a_received_date_in_the_future_is_refused(client, agent, sva_ticket):
    client.force_login(agent)
    post(client, sva_ticket, "documents_request", items="Plan", deadline=in_days(15))
    sva_ticket.refresh_from_db()
    response = post(client, sva_ticket, "documents_received", received_on=in_days(3))
    assert response.status_code == 409
    assert "comprise entre la demande des pièces et aujourd" in response.text


def test_agents_of_another_service_and_the_front_desk_are_refused(client, other_agent, sva_ticket):
    reception = factories.AgentFactory(role=Role.RECEPTION).user
    for user in (other_agent, reception):
        client.force_login(user)
        assert post(client, sva_ticket, "documents_request", items="Plan", deadline=in_days(15)).status_code == 404
        assert post(client, sva_ticket, "documents_received", received_on=in_days(0)).status_code == 404
    client.logout()
    response = post(client, sva_ticket, "documents_request", items="Plan", deadline=in_days(15))
    assert response.status_code == 302 and "connexion" in response.url
    assert not DocumentRequest.objects.exists()


def test_a_get_is_not_an_action(client, agent, sva_ticket):
    client.force_login(agent)
    assert client.get(reverse("backoffice:documents_request", args=[sva_ticket.reference])).status_code == 405


def test_inbox_filter_near_implicit_decision_with_a_fixed_number_of_queries(
    client, agent, sva, django_assert_max_num_queries
):
    client.force_login(agent)
    today = timezone.localdate()
    near = [
        factories.raw_ticket(request_type=sva, implicit_decision_on=today + datetime.timedelta(days=2))
        for _ in range(20)
    ]
    far = factories.raw_ticket(request_type=sva, implicit_decision_on=today + datetime.timedelta(days=40))
    decided = factories.raw_ticket(request_type=sva, implicit_decision_on=today, decision="express")
    report = factories.raw_ticket(request_type=sva)
    # 12 for the page and one insert in the access log of personal data (compliance).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("backoffice:inbox"), {"vue": "mon-service", "implicite": "on"})
    shown = {ticket.reference for ticket in response.context["page"].object_list}
    assert shown == {ticket.reference for ticket in near}
    assert not shown & {far.reference, decided.reference, report.reference}
    assert "décision implicite le" in response.text


def test_the_filter_uses_the_partial_index_on_postgresql(sva):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the partial index is PostgreSQL's plan")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = (
            Ticket.objects.implicit_decision_pending().filter(implicit_decision_on__lte=timezone.localdate()).explain()
        )
        cursor.execute("SET enable_seqscan = on")
    assert "ticket_implicit_decision_due" in plan
