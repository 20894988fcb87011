"""Followers (issue 17) are told what the author is told about the outcome: implicit decisions, reopenings,
merges; by post when they have neither email nor SMS but an address; counted when they have no channel."""

import datetime
import io

import pytest
from django.urls import reverse
from pdfminer.high_level import extract_text

from guichet.catalogue.models import LegalRegime
from guichet.mailroom.letters import letter_render, letters_mark_sent
from guichet.mailroom.models import Letter
from guichet.notifications.delivery import deliver
from guichet.notifications.models import FollowerChange, Notification, Template
from guichet.tickets import selectors, services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Attachment, TicketFollower
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(db):
    return factories.CitizenFactory(first_name="Paul", last_name="Martin", email="paul@example.org", phone="")


@pytest.fixture
def postal_neighbour(db):
    return factories.CitizenFactory(
        first_name="Jeanne",
        last_name="Roux",
        email="",
        phone="",
        street="3 rue des Lilas",
        postcode="45000",
        city="Orléans",
        preferred_channel="post",
    )


@pytest.fixture
def unreachable(db):
    return factories.CitizenFactory(first_name="Marc", last_name="Petit", email="", phone="")


def updates(ticket, recipient="paul@example.org"):
    return Notification.objects.filter(ticket=ticket, template=Template.FOLLOWER_UPDATE, recipient=recipient)


def sent_text(notification, mailoutbox) -> str:
    deliver(notification.pk)
    return mailoutbox[-1].body


def letter_text(letter: Letter) -> str:
    letter = letter_render(letter)
    with letter.pdf.open("rb") as handle:
        return extract_text(io.BytesIO(handle.read()))


# Implicit decisions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "change", "words"),
    [
        (LegalRegime.SVA, FollowerChange.IMPLICIT_ACCEPTANCE, "implicitement acceptée"),
        (LegalRegime.SVR, FollowerChange.IMPLICIT_REJECTION, "implicitement rejetée"),
    ],
)
def test_followers_are_told_of_the_implicit_decision(service, commune, neighbour, regime, change, words, mailoutbox):
    request_type = factories.RequestTypeFactory(service=service, legal_regime=regime)
    ticket = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory())
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    decision_on = ticket.implicit_decision_on
    assert services.implicit_decision_record(ticket_id=ticket.pk, today=decision_on + datetime.timedelta(days=1))
    # Run twice (another worker): told once.
    services.implicit_decision_record(ticket_id=ticket.pk, today=decision_on + datetime.timedelta(days=1))
    [update] = updates(ticket)
    assert update.context["change"] == change and update.context["decision_on"] == decision_on.isoformat()
    text = sent_text(update, mailoutbox)
    assert words in text and "Bonjour Paul Martin" in text and "/acces/" not in text


# Reopenings ---------------------------------------------------------------------------------------------------


def test_followers_are_told_when_the_authors_reply_reopens_an_answered_ticket(ticket, neighbour, agent, mailoutbox):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Réparé", new_status=Status.ANSWERED)
    services.message_post_by_citizen(ticket=ticket, body="Toujours en panne", channel=Channel.WEB)
    reopened = updates(ticket).filter(context__change=FollowerChange.REOPENED)
    assert reopened.count() == 1
    assert "de nouveau en cours de traitement" in sent_text(reopened.get(), mailoutbox)
    assert "Toujours en panne" not in mailoutbox[-1].body  # the author's words stay theirs


def test_followers_are_told_when_an_agent_reopens_a_closed_ticket(ticket, neighbour, agent):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    changes = list(updates(ticket).order_by("pk").values_list("context__change", flat=True))
    assert changes == [None, None, FollowerChange.REOPENED]


def test_waiting_for_the_author_then_resuming_is_no_reopening(ticket, neighbour, agent):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_change_status(ticket=ticket, to_status=Status.AWAITING_CITIZEN, actor=agent)
    services.message_post_by_citizen(ticket=ticket, body="Voici la photo", channel=Channel.WEB)
    assert not updates(ticket).exists()


# Merges -------------------------------------------------------------------------------------------------------


def test_the_duplicates_followers_follow_the_kept_ticket_are_told_once_and_undo_removes_them(
    request_type, ticket, agent, neighbour, mailoutbox
):
    duplicate = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(email="a@b.fr"))
    services.ticket_follow(ticket=duplicate, citizen=neighbour)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    follow = TicketFollower.objects.get(ticket=ticket, citizen=neighbour)
    assert follow.source_id == duplicate.pk
    assert selectors.people_affected(ticket) == 3
    # One message about the merge, on the kept ticket, instead of « sans suite » on the duplicate.
    assert not updates(duplicate).exists()
    [merged] = updates(ticket)
    assert merged.context["change"] == FollowerChange.MERGED
    text = sent_text(merged, mailoutbox)
    assert duplicate.reference_display in text and ticket.reference_display in text and "réunies" in text
    assert f"/suivi/{ticket.reference}/" in text

    services.ticket_merge_undo(duplicate=duplicate, actor=agent)
    assert not TicketFollower.objects.filter(ticket=ticket).exists()
    assert TicketFollower.objects.filter(ticket=duplicate, citizen=neighbour).exists()
    # The duplicate is handled again: its own followers hear it.
    assert updates(duplicate).get().context["change"] == FollowerChange.REOPENED


def test_a_duplicate_follower_who_already_follows_the_kept_ticket_keeps_that_follow(
    request_type, ticket, agent, neighbour
):
    duplicate = factories.make_ticket(request_type=request_type, citizen=None)
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_follow(ticket=duplicate, citizen=neighbour)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    services.ticket_merge_undo(duplicate=duplicate, actor=agent)
    assert TicketFollower.objects.get(ticket=ticket, citizen=neighbour).source_id is None


def test_the_kept_tickets_author_following_the_duplicate_is_not_made_a_follower(request_type, ticket, citizen, agent):
    duplicate = factories.make_ticket(request_type=request_type, citizen=None)
    services.ticket_follow(ticket=duplicate, citizen=citizen)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    assert not TicketFollower.objects.filter(ticket=ticket).exists()


# By post --------------------------------------------------------------------------------------------------------


def test_a_merged_authors_letter_then_the_answer_by_post_and_no_second_letter_for_the_closing(
    request_type, ticket, agent, postal_neighbour
):
    duplicate = factories.make_ticket(request_type=request_type, citizen=postal_neighbour, channel="mail")
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    [added] = Letter.objects.filter(follower=postal_neighbour)
    assert (added.ticket, added.template, added.message) == (ticket, Template.FOLLOWER_ADDED, None)
    assert added.address_lines == ["Jeanne Roux", "3 rue des Lilas", "45000 ORLÉANS"]
    text = letter_text(added)
    assert duplicate.reference_display in text and "réunies" in text

    services.message_post_by_agent(
        ticket=ticket, agent=agent, body="Mme Lefèvre, la lampe est changée.", new_status=Status.ANSWERED
    )
    services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
    answer = Letter.objects.get(follower=postal_neighbour, template=Template.FOLLOWER_UPDATE)
    text = letter_text(answer)
    assert "Répondue" in text and ticket.reference_display in text
    # Never the author's thread, name or subject.
    assert "la lampe est changée" not in text and "Lefèvre" not in text and "Hélène" not in text
    assert not Notification.objects.filter(recipient="").exists()

    mail_agent = factories.AgentFactory(role="mail_room").user
    assert letters_mark_sent(letters=[answer], agent=mail_agent) == 1
    copy = Attachment.objects.get(ticket=ticket, original_name__startswith="courrier-")
    assert not copy.is_public  # it bears the follower's name and address: agents only


def test_a_follower_letter_is_made_once_per_fact(ticket, agent, postal_neighbour):
    from guichet.notifications.services import notify_followers

    follow = TicketFollower.objects.create(ticket=ticket, citizen=postal_neighbour, how="me_too")
    for _ in range(2):
        notify_followers(ticket=ticket, template=Template.FOLLOWER_UPDATE, key="status:1", followers=[follow])
    assert Letter.objects.filter(follower=postal_neighbour).count() == 1


def test_a_follower_with_email_gets_no_letter(ticket, agent, neighbour):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    assert not Letter.objects.exists()


# No channel at all ------------------------------------------------------------------------------------------------


def test_a_follower_without_any_channel_is_counted_and_shown_to_agents(
    client, request_type, ticket, agent, neighbour, unreachable, postal_neighbour
):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    services.ticket_follow(ticket=ticket, citizen=postal_neighbour)
    for person in (unreachable, factories.CitizenFactory(email="x@y.fr", consent_email=False, phone="")):
        TicketFollower.objects.create(ticket=ticket, citizen=person, how="me_too")
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    assert selectors.people_affected_counts(ticket) == selectors.PeopleAffected(total=5, without_contact=2)
    assert set(
        Notification.objects.filter(ticket=ticket, template=Template.FOLLOWER_UPDATE).values_list(
            "recipient", flat=True
        )
    ) == {"paul@example.org"}
    letters = Letter.objects.filter(follower=postal_neighbour)
    assert sorted(letters.values_list("template", flat=True)) == [Template.FOLLOWER_ADDED, Template.FOLLOWER_UPDATE]
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "5 personnes concernées, dont 2 sans moyen de contact" in page.text


def test_people_affected_is_one_query(ticket, neighbour, unreachable, django_assert_num_queries):
    services.ticket_follow(ticket=ticket, citizen=neighbour)
    TicketFollower.objects.create(ticket=ticket, citizen=unreachable, how="me_too")
    with django_assert_num_queries(1):
        counts = selectors.people_affected_counts(ticket)
    assert counts == selectors.PeopleAffected(total=3, without_contact=1)


def test_an_author_answered_by_post_gets_the_implicit_decision_by_letter_too(service, commune, postal_neighbour):
    """What a postal follower is told, the postal author is told as well: the silence's decision, with the appeals."""
    request_type = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR)
    ticket = factories.make_ticket(request_type=request_type, citizen=postal_neighbour, channel="mail")
    day_after = ticket.implicit_decision_on + datetime.timedelta(days=1)
    assert services.implicit_decision_record(ticket_id=ticket.pk, today=day_after)
    letter = Letter.objects.get(ticket=ticket, follower=None, template=Template.IMPLICIT_DECISION)
    assert letter.message is not None and letter.address_lines[0] == "Jeanne Roux"
    text = letter_text(letter)
    assert "REJETÉE" in text and "recours" in text


def test_a_follower_by_sms_reads_what_changed(request_type, ticket, agent, service):
    from guichet.notifications.rendering import render_notification

    texter = factories.CitizenFactory(first_name="Lou", email="", phone="+33612345670", preferred_channel="sms")
    duplicate = factories.make_ticket(request_type=request_type, citizen=None)
    services.ticket_follow(ticket=duplicate, citizen=texter)
    services.ticket_merge(duplicate=duplicate, kept=ticket, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    texts = [
        render_notification(n).text
        for n in Notification.objects.filter(ticket=ticket, recipient="+33612345670", channel="sms").order_by("pk")
    ]
    assert len(texts) == 3
    assert f"la demande {duplicate.reference_display} est réunie avec la demande {ticket.reference_display}" in texts[0]
    assert 'est "Sans suite"' in texts[1]  # GSM-7 has no « »
    assert "de nouveau en cours" in texts[2]
