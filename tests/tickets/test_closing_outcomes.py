"""Honest endings: whoever closes or rejects a ticket says what happened, and the citizen reads it in plain French."""

import email
import email.policy

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from guichet.lib import references
from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, Template
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, ClosingOutcome, Status
from guichet.tickets.models import Event, EventKind, Ticket
from tests import factories
from tests.api.rest.conftest import client_with_key, key_for
from tests.api.rest.test_tickets_write import post as api_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_agent(client, agent):
    client.force_login(agent)
    return agent


def act(client, ticket, **data):
    ticket.refresh_from_db()
    return client.post(reverse("backoffice:status", args=[ticket.reference]), {"version": ticket.version, **data})


@pytest.fixture
def answered(ticket, agent):
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    ticket.refresh_from_db()
    return ticket


# The service -------------------------------------------------------------------------------------------


def test_a_caller_that_does_not_say_gets_the_default_outcome_and_reopening_clears_it(answered, agent):
    services.ticket_change_status(ticket=answered, to_status=Status.CLOSED, actor=agent)
    answered.refresh_from_db()
    assert answered.closing_outcome == ClosingOutcome.RESOLVED
    event = Event.objects.filter(ticket=answered, kind=EventKind.STATUS_CHANGED).latest("pk")
    assert event.data["outcome"] == "resolved"
    services.message_post_by_citizen(ticket=answered, body="Toujours pas", channel=Channel.WEB)
    answered.refresh_from_db()
    assert (answered.status, answered.closing_outcome) == (Status.IN_PROGRESS, "")
    services.ticket_change_status(ticket=answered, to_status=Status.REJECTED, actor=agent)
    answered.refresh_from_db()
    assert answered.closing_outcome == ClosingOutcome.NO_FOLLOW_UP


def test_not_for_the_town_hall_needs_the_competent_body(answered):
    with pytest.raises(Exception, match="organisme compétent"):
        services.outcome_for(ticket=answered, kind=ClosingOutcome.NOT_FOR_TOWN_HALL, competent_body="  ")
    outcome = services.outcome_for(
        ticket=answered, kind=ClosingOutcome.NOT_FOR_TOWN_HALL, competent_body=" Conseil  départemental "
    )
    assert outcome.competent_body == "Conseil départemental"


def test_a_duplicate_names_another_known_ticket_that_is_not_itself_a_duplicate(answered, request_type, agent):
    kept = factories.make_ticket(request_type=request_type, citizen=None)
    for reference, message in (
        ("", "numéro de suivi de la demande conservée"),
        (references.generate(), "Aucune demande ne porte le numéro"),
        ("n'importe quoi", "Aucune demande ne porte le numéro"),
        (answered.reference, "doublon d’elle-même"),
    ):
        with pytest.raises(Exception, match=message):
            services.outcome_for(ticket=answered, kind=ClosingOutcome.DUPLICATE, duplicate_reference=reference)
    outcome = services.outcome_for(
        ticket=answered, kind=ClosingOutcome.DUPLICATE, duplicate_reference=kept.reference_display.lower()
    )
    services.ticket_change_status(ticket=answered, to_status=Status.CLOSED, actor=agent, outcome=outcome)
    answered.refresh_from_db()
    assert answered.duplicate_of == kept
    third = factories.make_ticket(request_type=request_type, citizen=None)
    with pytest.raises(Exception, match="elle-même un doublon"):
        services.outcome_for(ticket=third, kind=ClosingOutcome.DUPLICATE, duplicate_reference=answered.reference)


def test_the_database_refuses_an_outcome_on_an_open_ticket_or_an_unknown_one(ticket):
    for changes in (
        {"closing_outcome": "resolved"},
        {"status": Status.CLOSED, "closed_at": timezone.now(), "closing_outcome": "fixed"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Ticket.objects.filter(pk=ticket.pk).update(**changes)


# The agent's form --------------------------------------------------------------------------------------


def test_the_agent_closes_with_an_outcome_and_the_citizen_reads_it(client, logged_agent, answered):
    response = act(
        client, answered, status=Status.CLOSED, outcome=ClosingOutcome.NOT_FOR_TOWN_HALL, competent_body="La préfecture"
    )
    assert response.status_code == 302
    answered.refresh_from_db()
    assert (answered.status, answered.closing_outcome, answered.competent_body) == (
        Status.CLOSED,
        "not_for_town_hall",
        "La préfecture",
    )
    agent_page = client.get(reverse("backoffice:ticket", args=[answered.reference]))
    assert "Ne relève pas de la mairie" in agent_page.text and "orientée vers La préfecture" in agent_page.text
    public = client.get(reverse("portal:ticket", args=[answered.reference]))
    assert "Votre demande ne relève pas de la mairie. Adressez-vous à : La préfecture." in public.text


def test_closing_without_an_outcome_is_refused_in_french_keeping_what_was_typed(client, logged_agent, answered):
    response = act(client, answered, status=Status.CLOSED, reason="Réparé le 3", competent_body="")
    assert response.status_code == 400
    assert "Indiquez l’issue de la demande" in response.text
    assert "Réparé le 3" in response.text
    response = act(client, answered, status=Status.CLOSED, outcome=ClosingOutcome.NOT_FOR_TOWN_HALL)
    assert response.status_code == 400 and "organisme compétent" in response.text
    response = act(
        client, answered, status=Status.CLOSED, outcome=ClosingOutcome.DUPLICATE, duplicate_reference="ZZZ-ZZZ-ZZZ"
    )
    assert response.status_code == 409 and "Aucune demande ne porte le numéro ZZZ-ZZZ-ZZZ" in response.text
    assert 'value="ZZZ-ZZZ-ZZZ"' in response.text
    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED


def test_an_agent_of_another_service_cannot_close(client, other_agent, answered):
    client.force_login(other_agent)
    response = act(client, answered, status=Status.CLOSED, outcome=ClosingOutcome.RESOLVED)
    assert response.status_code == 404
    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED


def test_rejecting_as_a_duplicate_tells_the_citizen_of_their_own_kept_request(
    client, logged_agent, ticket, request_type
):
    kept = factories.make_ticket(request_type=request_type, citizen=ticket.citizen)
    response = act(
        client, ticket, status=Status.REJECTED, outcome=ClosingOutcome.DUPLICATE, duplicate_reference=kept.reference
    )
    assert response.status_code == 302
    public = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert f"Votre demande fait doublon avec votre demande n° {kept.reference_display}" in public.text
    # Someone else's request is never named to the citizen.
    other = factories.make_ticket(
        request_type=request_type, citizen=factories.CitizenFactory(email="autre@example.org")
    )
    stranger = factories.make_ticket(request_type=request_type, citizen=ticket.citizen)
    act(client, stranger, status=Status.REJECTED, outcome=ClosingOutcome.DUPLICATE, duplicate_reference=other.reference)
    page = client.get(reverse("portal:ticket", args=[stranger.reference]))
    assert "fait doublon avec une demande déjà enregistrée" in page.text and other.reference_display not in page.text


# The closing notification -------------------------------------------------------------------------------


def test_the_closing_email_says_what_happened(answered, agent, smtp_server):
    outcome = services.outcome_for(ticket=answered, kind=ClosingOutcome.NO_FOLLOW_UP)
    services.ticket_change_status(ticket=answered, to_status=Status.CLOSED, actor=agent, outcome=outcome)
    notification = Notification.objects.filter(ticket=answered, template=Template.STATUS_CHANGED).latest("pk")
    assert deliver(notification.pk) == "sent"
    message = email.message_from_bytes(smtp_server.envelopes[-1].content, policy=email.policy.default)
    assert "La mairie ne peut pas donner suite à votre demande." in message.get_body(("plain",)).get_content()
    assert "La mairie ne peut pas donner suite à votre demande." in message.get_body(("html",)).get_content()


# The REST API -------------------------------------------------------------------------------------------


def test_the_api_closes_only_with_an_outcome(agent, answered):
    client = client_with_key(key_for(agent))
    refused = api_post(client, "ticket_status", answered, status=Status.CLOSED, version=answered.version)
    assert refused.status_code == 400
    assert "issue" in str(refused.json())
    unknown = api_post(
        client,
        "ticket_status",
        answered,
        status=Status.CLOSED,
        outcome="duplicate",
        duplicate_of="ABC",
        version=answered.version,
    )
    assert unknown.status_code == 400
    done = api_post(
        client,
        "ticket_status",
        answered,
        status=Status.CLOSED,
        outcome="not_for_town_hall",
        competent_body="La CAF",
        version=answered.version,
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["closing_outcome"], body["competent_body"], body["duplicate_of"]) == (
        "not_for_town_hall",
        "La CAF",
        None,
    )


# The data migration -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_ended_tickets_their_sensible_outcome(request_type):
    executor = MigrationExecutor(connection)
    [target] = [
        key for key in executor.loader.graph.nodes if key[0] == "tickets" and key[1].endswith("_ticket_closing_outcome")
    ]
    [before] = [p.key for p in executor.loader.graph.node_map[target].parents if p.key[0] == "tickets"]
    executor.migrate([before])
    try:
        old = MigrationExecutor(connection).loader.project_state([before]).apps.get_model("tickets", "Ticket")

        def row(status, closed_at=None):
            return old.objects.create(
                reference=references.generate(),
                request_type_id=request_type.pk,
                service_id=request_type.service_id,
                channel=Channel.WEB,
                subject="x",
                due_date=timezone.localdate(),
                status=status,
                closed_at=closed_at,
            ).pk

        closed, rejected, open_ = (
            row(Status.CLOSED, timezone.now()),
            row(Status.REJECTED, timezone.now()),
            row(Status.ANSWERED),
        )
        MigrationExecutor(connection).migrate([target])
        new = MigrationExecutor(connection).loader.project_state([target]).apps.get_model("tickets", "Ticket")
        outcomes = dict(new.objects.filter(pk__in=[closed, rejected, open_]).values_list("pk", "closing_outcome"))
        assert outcomes == {closed: "resolved", rejected: "no_follow_up", open_: ""}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
