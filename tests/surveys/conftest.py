"""A ticket answered by its agent, and the survey invitation the worker sends for it."""

import email
import email.policy
import re

import pytest

from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.tickets import services
from guichet.tickets.lifecycle import Status

SURVEY_LINK = re.compile(r"/avis/([0-9A-Z]{16})/")


def answer(ticket, agent, to_status: str = Status.ANSWERED):
    return services.ticket_change_status(ticket=ticket, to_status=to_status, actor=agent)


def send_survey(ticket, channel: str = NotificationChannel.EMAIL) -> str:
    """Deliver the queued invitation through the real transport; the secret, read back from the message sent."""
    notification = Notification.objects.get(ticket=ticket, template=Template.SURVEY, channel=channel)
    assert deliver(notification.pk) == "sent"
    return notification.pk


@pytest.fixture
def answered(ticket, agent):
    answer(ticket, agent)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def secret(answered, smtp_server) -> str:
    """The survey link's secret, from the email the citizen received."""
    send_survey(answered)
    [text] = [text for text in sent_texts(smtp_server) if "/avis/" in text]
    match = SURVEY_LINK.search(text)
    assert match, text
    return match.group(1)


def sent_texts(smtp_server) -> list[str]:
    messages = [email.message_from_bytes(e.content, policy=email.policy.default) for e in smtp_server.envelopes]
    return [message.get_body(("plain",)).get_content() for message in messages]


def survey_url(secret: str) -> str:
    return f"/avis/{secret}/"


GOOD = {"ease": "good", "quality": "good", "delay": "medium", "comment": ""}
