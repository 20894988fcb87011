"""The survey page: single use, expiry, refusal, "my problem is not solved", wrong secrets, limits and CSRF."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from guichet.notifications.models import Notification, Template
from guichet.organisation.models import Commune
from guichet.surveys.models import InvitationChannel, Survey, SurveyRefusal
from guichet.tickets import services
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind, Message, Ticket
from guichet.tickets.surveys import survey_paper_code
from tests import factories
from tests.surveys.conftest import GOOD, answer, survey_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_the_citizen_answers_once_without_an_account(client, secret, answered):
    page = client.get(survey_url(secret))
    assert page.status_code == 200
    assert "Vos échanges avec la mairie ont-ils été faciles ?" in page.text
    assert answered.reference_display in page.text
    response = client.post(survey_url(secret), {**GOOD, "comment": "Merci pour la rapidité."})
    assert response.status_code == 302
    survey = Survey.objects.get(ticket=answered)
    assert (survey.ease, survey.quality, survey.delay) == ("good", "good", "medium")
    assert survey.comment == "Merci pour la rapidité." and not survey.not_resolved
    assert (survey.service, survey.request_type, survey.ticket_channel) == (
        answered.service,
        answered.request_type,
        answered.channel,
    )
    event = Event.objects.get(ticket=answered, kind=EventKind.SURVEY_ANSWERED)
    assert event.data["comment"] == "Merci pour la rapidité." and event.actor_id is None
    assert Ticket.objects.get(pk=answered.pk).status == Status.ANSWERED  # nothing reopened
    # Single use: the page now thanks, and a second answer changes nothing.
    again = client.post(survey_url(secret), {**GOOD, "ease": "bad"}, follow=True)
    assert "Merci pour votre avis" in again.text
    assert Survey.objects.get(pk=survey.pk).ease == "good"
    assert Event.objects.filter(ticket=answered, kind=EventKind.SURVEY_ANSWERED).count() == 1


def test_a_missing_answer_is_refused_in_french_and_what_was_typed_is_kept(client, secret):
    response = client.post(survey_url(secret), {"ease": "good", "comment": "Mon commentaire précieux"})
    assert response.status_code == 400
    assert "Choisissez une réponse à cette question." in response.text
    assert "Mon commentaire précieux" in response.text
    assert response.context["form"]["ease"].value() == "good"  # the choice made is shown again, checked
    assert not Survey.objects.filter(answered_at__isnull=False).exists()


def test_the_link_expires_thirty_days_after_the_answer(client, secret, answered, settings):
    survey = Survey.objects.get(ticket=answered)
    long_ago = timezone.now() - datetime.timedelta(days=settings.GUICHET_SURVEY_DAYS, minutes=1)
    Survey.objects.filter(pk=survey.pk).update(created_at=long_ago)
    Ticket.objects.filter(pk=answered.pk).update(status_changed_at=long_ago)
    response = client.get(survey_url(secret))
    assert response.status_code == 410
    assert "Ce questionnaire est fermé" in response.text
    assert client.post(survey_url(secret), GOOD).status_code == 410
    assert Survey.objects.get(pk=survey.pk).answered_at is None
    # One day before the limit it still opens.
    Ticket.objects.filter(pk=answered.pk).update(status_changed_at=long_ago + datetime.timedelta(days=1))
    assert client.get(survey_url(secret)).status_code == 200


def test_not_solved_reopens_the_ticket_with_the_citizens_words_and_alerts_the_agent(client, secret, answered, agent):
    services.ticket_assign(ticket=answered, assignee=agent, actor=agent)
    response = client.post(
        survey_url(secret), {**GOOD, "quality": "bad", "comment": "Le trou est toujours là.", "not_resolved": "on"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Votre demande est rouverte" in page.text
    ticket = Ticket.objects.get(pk=answered.pk)
    assert ticket.status == Status.IN_PROGRESS
    message = Message.objects.filter(ticket=ticket).latest("pk")
    assert message.author_kind == "citizen"
    assert message.body == "Questionnaire de satisfaction : mon problème n’est pas résolu.\n\nLe trou est toujours là."
    kinds = list(Event.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))
    assert kinds[-4:] == [
        EventKind.SURVEY_ANSWERED,
        EventKind.CITIZEN_MESSAGE,
        EventKind.STATUS_CHANGED,
        EventKind.SURVEY_REOPENED,
    ]
    # The existing alert path: the agent in charge is told of the citizen's message.
    assert Notification.objects.filter(ticket=ticket, template=Template.CITIZEN_REPLIED, recipient=agent.email).exists()
    assert Survey.objects.get(ticket=ticket).not_resolved


def test_not_solved_on_a_ticket_closed_too_long_ago_says_what_to_do(client, secret, answered, agent):
    answer(answered, agent, Status.CLOSED)
    delay = Commune.current().reopen_delay_days
    long_ago = timezone.now() - datetime.timedelta(days=delay + 1)
    Ticket.objects.filter(pk=answered.pk).update(closed_at=long_ago)
    response = client.post(survey_url(secret), {**GOOD, "not_resolved": "on"}, follow=True)
    assert "ne peut plus être rouverte" in response.text
    assert "Faire une nouvelle demande" in response.text
    ticket = Ticket.objects.get(pk=answered.pk)
    assert ticket.status == Status.CLOSED
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.SURVEY_REOPENED).exists()
    assert Survey.objects.get(ticket=ticket).not_resolved  # the answer itself is kept


def test_not_solved_on_a_rejected_ticket_cannot_reopen_it(client, request_type, citizen, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    answer(ticket, agent, Status.REJECTED)
    code = survey_paper_code(ticket=ticket)
    response = client.post(survey_url(code.replace("-", "")), {**GOOD, "not_resolved": "on"}, follow=True)
    assert "ne peut plus être rouverte" in response.text
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REJECTED


def test_a_survey_opens_only_once_the_town_hall_has_answered(client, request_type, citizen, agent):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    code = survey_paper_code(ticket=ticket)  # printed on the counter receipt
    assert Survey.objects.get(ticket=ticket).channel == InvitationChannel.PAPER
    waiting = client.get(survey_url(code.replace("-", "")))
    assert waiting.status_code == 200 and "en cours de traitement" in waiting.text
    assert client.post(survey_url(code.replace("-", "")), GOOD).status_code == 200
    assert Survey.objects.get(ticket=ticket).answered_at is None
    answer(ticket, agent)
    # Typed by hand on /avis/: any case, spaces and dashes.
    typed = client.get("/avis/", {"code": code.lower().replace("-", " ")})
    assert typed.status_code == 302 and typed["Location"] == survey_url(code.replace("-", ""))
    assert client.get(typed["Location"]).status_code == 200


def test_a_malformed_code_is_refused_in_french(client):
    response = client.get("/avis/", {"code": "ABC"})
    assert response.status_code == 400
    assert "Ce code n’est pas valide" in response.text


@pytest.mark.parametrize("kind", ["random", "personal_link", "malformed"])
def test_a_wrong_or_foreign_secret_is_a_404(client, answered, kind):
    secret = {
        "random": "0123456789ABCDEF",
        "personal_link": access_token_issue(ticket=answered),
        "malformed": "not-a-survey",
    }[kind]
    for url in (survey_url(secret), f"/avis/{secret}/refuser/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Nous ne trouvons pas ce questionnaire" in response.text


def test_guessing_secrets_is_rate_limited(client, secret, settings):
    settings.GUICHET_LOOKUP_RATE = "3/m"
    for _attempt in range(4):
        assert client.get(survey_url("0123456789ABCDEF")).status_code == 404
    blocked = client.get(survey_url(secret))
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.text


def test_answering_needs_the_csrf_token(secret):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(survey_url(secret), GOOD).status_code == 403
    page = strict.get(survey_url(secret))
    token = page.cookies["csrftoken"].value
    assert strict.post(survey_url(secret), {**GOOD, "csrfmiddlewaretoken": token}).status_code == 302


def test_refusing_surveys_is_honoured_for_later_tickets(client, secret, answered, agent, request_type):
    confirm = client.get(f"/avis/{secret}/refuser/")
    assert confirm.status_code == 200
    assert not SurveyRefusal.objects.exists()  # a GET changes nothing
    done = client.post(f"/avis/{secret}/refuser/")
    assert "Vous ne recevrez plus de questionnaire" in done.text
    assert SurveyRefusal.objects.filter(citizen=answered.citizen).count() == 1
    client.post(f"/avis/{secret}/refuser/")
    assert SurveyRefusal.objects.count() == 1
    later = factories.make_ticket(request_type=request_type, citizen=answered.citizen)
    answer(later, agent)
    assert not Notification.objects.filter(ticket=later, template=Template.SURVEY).exists()
    # The survey already received still works.
    assert client.get(survey_url(secret)).status_code == 200
