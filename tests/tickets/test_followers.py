"""« Moi aussi » and merged duplicates (issue 17): followers are told of the answer like the author."""

import pytest
from django.core.exceptions import ValidationError

from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, Template
from guichet.retention.services import anonymise_ticket, citizens_delete_orphans
from guichet.tickets import selectors, services
from guichet.tickets.lifecycle import ClosingOutcome, Status
from guichet.tickets.models import Event, EventKind, FollowerHow, TicketFollower
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(db):
    return factories.CitizenFactory(first_name="Paul", last_name="Martin", email="paul@example.org", phone="")


def test_me_too_links_the_citizen_once_writes_an_anonymous_event_and_confirms(ticket, neighbour):
    follower = services.ticket_follow(ticket=ticket, citizen=neighbour)
    again = services.ticket_follow(ticket=ticket, citizen=neighbour)
    assert follower.pk == again.pk and follower.how == FollowerHow.ME_TOO
    [event] = Event.objects.filter(ticket=ticket, kind=EventKind.FOLLOWER_ADDED)
    assert event.data == {"how": "me_too"} and event.actor_id is None
    [confirmation] = Notification.objects.filter(ticket=ticket, template=Template.FOLLOWER_ADDED)
    assert confirmation.recipient == "paul@example.org"
    assert selectors.people_affected(ticket) == 2


def test_the_confirmation_greets_the_follower_and_carries_no_personal_link(ticket, neighbour, mailoutbox):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    confirmation = Notification.objects.get(ticket=ticket, template=Template.FOLLOWER_ADDED)
    deliver(confirmation.pk)
    [sent] = [mail for mail in mailoutbox if mail.to == ["paul@example.org"]]
    assert "Bonjour Paul Martin" in sent.body and "Hélène" not in sent.body
    assert ticket.reference_display in sent.body
    assert "/acces/" not in sent.body and f"/suivi/{ticket.reference}/" in sent.body


def test_the_author_and_an_ended_ticket_are_refused(ticket, citizen, neighbour, agent):
    with pytest.raises(ValidationError):
        services.ticket_follow(ticket=ticket, citizen=citizen)
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_follow(ticket=ticket, citizen=neighbour)
    assert not TicketFollower.objects.exists()


def test_followers_are_told_of_the_answer_and_the_closing(ticket, neighbour, agent):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Réparé", new_status=Status.ANSWERED)
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    updates = Notification.objects.filter(ticket=ticket, template=Template.FOLLOWER_UPDATE)
    assert updates.count() == 2 and {n.recipient for n in updates} == {"paul@example.org"}


def test_an_internal_note_or_an_in_progress_reply_tells_no_follower(ticket, neighbour, agent):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Note", internal=True)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="On regarde")
    assert not Notification.objects.filter(template=Template.FOLLOWER_UPDATE).exists()


def test_merge_closes_the_duplicate_makes_its_author_a_follower_and_undo_restores(
    request_type, ticket, agent, neighbour
):
    duplicate = factories.make_ticket(request_type=request_type, citizen=neighbour)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.closing_outcome) == (Status.REJECTED, ClosingOutcome.DUPLICATE)
    assert duplicate.duplicate_of_id == ticket.pk
    follower = TicketFollower.objects.get(ticket=ticket)
    assert (follower.citizen_id, follower.how, follower.source_id) == (neighbour.pk, FollowerHow.MERGED, duplicate.pk)
    assert Event.objects.filter(ticket=ticket, kind=EventKind.MERGED, data__duplicate=duplicate.reference).exists()
    assert Event.objects.filter(ticket=duplicate, kind=EventKind.MERGED, data__kept=ticket.reference).exists()
    # The duplicate's author is told twice: their request ends as a duplicate, and they follow the kept one.
    told = set(Notification.objects.filter(recipient="paul@example.org").values_list("template", flat=True))
    assert told == {Template.ACKNOWLEDGEMENT, Template.STATUS_CHANGED, Template.FOLLOWER_ADDED}

    services.ticket_merge_undo(duplicate=duplicate, actor=agent)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.closing_outcome, duplicate.duplicate_of_id) == (Status.IN_PROGRESS, "", None)
    assert not TicketFollower.objects.exists()
    assert Event.objects.filter(kind=EventKind.MERGE_UNDONE).count() == 2


def test_an_answered_duplicate_is_closed_and_a_duplicate_of_a_duplicate_refused(request_type, ticket, agent, neighbour):
    duplicate = factories.make_ticket(request_type=request_type, citizen=neighbour)
    services.ticket_change_status(ticket=duplicate, to_status=Status.ANSWERED, actor=agent)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    third = factories.make_ticket(request_type=request_type, citizen=None)
    with pytest.raises(ValidationError):
        services.ticket_merge(duplicate=third, kept=duplicate, actor=agent)
    with pytest.raises(ValidationError):
        services.ticket_merge(duplicate=third, kept=third, actor=agent)


def test_undo_refuses_a_ticket_that_is_no_merged_duplicate(ticket, agent):
    with pytest.raises(ValidationError):
        services.ticket_merge_undo(duplicate=ticket, actor=agent)


def test_the_same_author_does_not_follow_their_own_kept_ticket(request_type, ticket, citizen, agent):
    duplicate = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    assert not TicketFollower.objects.exists()


def test_anonymising_a_ticket_drops_its_followers(ticket, neighbour, supervisor):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    anonymise_ticket(ticket, actor=supervisor, reason="test")
    assert not TicketFollower.objects.filter(ticket=ticket).exists()
    assert selectors.people_affected(ticket) == 1


def test_a_follower_record_is_no_orphan_for_retention(ticket, neighbour):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    assert citizens_delete_orphans(ids=[neighbour.pk]) == 0
    assert TicketFollower.objects.filter(citizen=neighbour).exists()


def test_merging_citizen_records_keeps_one_follow_per_ticket(request_type, ticket, citizen, neighbour, supervisor):
    from guichet.citizens.services import citizens_merge

    other = factories.make_ticket(request_type=request_type, citizen=None)
    twin = factories.CitizenFactory(first_name="Paul", last_name="Martin", email="paul.m@example.org")
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_follow(ticket=ticket, citizen=twin)
    services.ticket_follow(ticket=other, citizen=twin)
    citizens_merge(keep=neighbour, merge=twin, actor=supervisor)
    assert sorted(TicketFollower.objects.values_list("ticket_id", "citizen_id")) == sorted(
        [(ticket.pk, neighbour.pk), (other.pk, neighbour.pk)]
    )
    # The author absorbing a follower of their own ticket: the follow goes.
    citizens_merge(keep=citizen, merge=neighbour, actor=supervisor)
    assert list(TicketFollower.objects.values_list("ticket_id", "citizen_id")) == [(other.pk, citizen.pk)]
