"""When a ticket is answered or ended, the citizen is invited once, by the channels they chose; never if they refused."""

import json
from pathlib import Path

import pytest

from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.surveys.models import InvitationChannel, Survey, SurveyRefusal
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind
from tests import factories
from tests.surveys.conftest import answer, send_survey, sent_texts

pytestmark = pytest.mark.django_db


def invitations(ticket):
    return Notification.objects.filter(ticket=ticket, template=Template.SURVEY)


def test_an_answered_ticket_invites_its_citizen_once_answered_then_closed(ticket, agent):
    answer(ticket, agent)
    assert list(invitations(ticket).values_list("channel", flat=True)) == [NotificationChannel.EMAIL]
    assert Event.objects.filter(ticket=ticket, kind=EventKind.SURVEY_SENT).get().data == {"channels": ["email"]}
    answer(ticket, agent, Status.CLOSED)
    assert invitations(ticket).count() == 1  # the same round of handling: one invitation


def test_a_reopened_ticket_gets_a_new_invitation_when_answered_again(ticket, agent):
    answer(ticket, agent)
    services.message_post_by_citizen(ticket=ticket, body="Ce n’est pas réparé", channel=Channel.WEB)
    answer(ticket, agent)
    assert invitations(ticket).count() == 2


def test_a_rejected_ticket_invites_too_but_an_open_one_does_not(request_type, citizen, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Nous regardons.")
    services.message_post_by_agent(
        ticket=ticket, agent=agent, body="Pouvez-vous préciser ?", new_status=Status.AWAITING_CITIZEN
    )
    assert not invitations(ticket).exists()
    answer(ticket, agent, Status.REJECTED)
    assert invitations(ticket).count() == 1


def test_an_sms_citizen_is_invited_by_sms_with_a_short_link(request_type, agent, settings):
    citizen = factories.CitizenFactory(email="", preferred_channel="sms")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    answer(ticket, agent)
    [invitation] = invitations(ticket)
    assert invitation.channel == NotificationChannel.SMS
    send_survey(ticket, NotificationChannel.SMS)
    survey = Survey.objects.get(ticket=ticket)
    assert survey.channel == InvitationChannel.SMS and survey.answered_at is None
    [sms] = [json.loads(path.read_text()) for path in Path(settings.SMS_FILE_PATH).glob("*.json")]
    assert f"{settings.SITE_URL}/avis/" in sms["text"]
    assert ticket.reference_display in sms["text"]


def test_the_email_carries_a_single_use_link_whose_secret_is_stored_only_hashed(answered, smtp_server, settings):
    send_survey(answered)
    [text] = [text for text in sent_texts(smtp_server) if "/avis/" in text]
    assert f"{settings.SITE_URL}/avis/" in text
    assert "Ne plus recevoir de questionnaires de la mairie" in text
    assert "reste valable 30 jours" in text
    secret = text.split("/avis/")[1].split("/")[0]
    survey = Survey.objects.get(ticket=answered)
    assert survey.token_hash != secret and secret not in survey.token_hash
    assert f"/avis/{secret}/refuser/" in text
    assert Event.objects.filter(ticket=answered, kind=EventKind.NOTIFICATION_SENT).exists()


def test_a_citizen_who_refused_is_not_invited_again(ticket, agent, request_type):
    SurveyRefusal.objects.create(citizen=ticket.citizen)
    answer(ticket, agent)
    assert not invitations(ticket).exists()
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.SURVEY_SENT).exists()


def test_a_ticket_without_a_citizen_or_address_invites_nobody(request_type, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=None)
    answer(ticket, agent)
    assert not invitations(ticket).exists()
    postal = factories.CitizenFactory(email="", phone="", preferred_channel="post")
    by_post = factories.make_ticket(request_type=request_type, citizen=postal)
    answer(by_post, agent)
    assert not invitations(by_post).exists()
    assert not Event.objects.filter(ticket=by_post, kind=EventKind.SURVEY_SENT).exists()
