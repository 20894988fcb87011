"""The citizen behind a new email, through ``citizens.services.citizen_for_submission``."""

import pytest

from guichet.citizens.models import Citizen
from guichet.intake.channels.email import email_receive
from guichet.notifications.models import Notification, Template
from tests import factories
from tests.intake.test_email_channel import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def test_a_sender_writing_again_is_the_same_citizen(question_type):
    first = email_receive(mail(subject="Première", message_id="<1@client.example>")).ticket
    second = email_receive(mail(subject="Seconde", message_id="<2@client.example>")).ticket
    assert first.citizen == second.citizen and Citizen.objects.count() == 1
    assert (first.citizen.consent_email, first.citizen.consent_sms) == (True, False)  # no phone was given


def test_a_known_sender_keeps_the_channel_they_chose(question_type):
    known = factories.CitizenFactory(
        first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org", phone="+33612345678",
        preferred_channel="sms", consent_email=False,
    )  # fmt: skip
    ticket = email_receive(mail()).ticket
    known.refresh_from_db()
    assert ticket.citizen == known
    assert (known.preferred_channel, known.consent_email) == ("sms", False)
    assert Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT).channel == "sms"


def test_an_address_longer_than_a_name_still_makes_a_record(question_type):
    address = "tres.long." + "x" * 95 + "@example.org"
    ticket = email_receive(mail(sender=address)).ticket
    assert ticket.citizen.email == address and ticket.citizen.last_name == address[:100]
