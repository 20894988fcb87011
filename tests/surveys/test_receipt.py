"""A citizen met at the counter, without email or SMS, gets the survey's short address and code on the receipt."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from guichet.surveys.models import InvitationChannel, Survey, SurveyRefusal
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.intake.test_receipts import pages, text_of
from tests.surveys.conftest import GOOD, answer

pytestmark = pytest.mark.django_db


def print_receipt(client, ticket, layout="a4") -> bytes:
    response = client.post(reverse("backoffice:receipt", args=[ticket.reference]), {"format": layout})
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("layout", ["a4", "ticket80"])
def test_the_receipt_prints_the_survey_code_that_works_once_answered(client, agent, request_type, layout):
    client.force_login(agent)
    citizen = factories.CitizenFactory(email="", phone="", preferred_channel="post")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER)
    pdf = print_receipt(client, ticket, layout)
    text = text_of(pdf)
    assert "donnez votre avis en trois questions" in text
    assert settings.SITE_URL + "/avis/" in text.replace(" ", "")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.channel == InvitationChannel.PAPER
    if layout == "a4":
        assert len(pages(pdf)) == 1
    [code] = re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", text)
    answer(ticket, agent)
    client.logout()
    typed = client.get("/avis/", {"code": code})
    assert client.post(typed["Location"], GOOD).status_code == 302
    assert Survey.objects.get(ticket=ticket).answered_at is not None


def test_no_code_for_a_citizen_invited_by_email_or_who_refused(client, agent, request_type, citizen):
    client.force_login(agent)
    by_email = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER)
    assert "donnez votre avis" not in text_of(print_receipt(client, by_email))
    refused = factories.CitizenFactory(email="", phone="", preferred_channel="post")
    SurveyRefusal.objects.create(citizen=refused)
    ticket = factories.make_ticket(request_type=request_type, citizen=refused, channel=Channel.COUNTER)
    assert "donnez votre avis" not in text_of(print_receipt(client, ticket))
    assert not Survey.objects.exists()
    assert Status.RECEIVED == ticket.status
