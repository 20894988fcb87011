"""The implicit decision and the agents' warning reach people through the real worker and a real SMTP server;
the SMS of a decision fits two GSM-7 parts."""

import datetime
import email
import email.policy

import pytest
from django.utils import timezone

from guichet.catalogue.models import LegalRegime
from guichet.lib.sms import sms_length
from guichet.notifications.models import Notification, Template
from guichet.notifications.rendering import render_notification
from guichet.tickets.implicit import implicit_decisions_run
from tests import factories


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


@pytest.mark.django_db(transaction=True)
def test_the_rejection_and_the_warning_are_emailed(service, commune, citizen, agent, smtp_server, run_worker):
    svr = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR, name="Réclamation")
    rejected = factories.make_ticket(
        request_type=svr, citizen=citizen, received_at=timezone.now() - datetime.timedelta(days=70)
    )
    near = factories.make_ticket(
        request_type=svr,
        citizen=factories.CitizenFactory(email="autre@example.org"),
        received_at=timezone.now() - datetime.timedelta(days=58),
    )
    run = implicit_decisions_run()
    assert (run.decided, run.warned) == (1, 1)
    run_worker()
    to_citizen = [parse(e) for e in smtp_server.envelopes if e.rcpt_tos == [citizen.email]]
    decision = next(m for m in to_citizen if "décision implicite de rejet" in m["Subject"])
    text = decision.get_body(("plain",)).get_content()
    assert rejected.reference_display in decision["Subject"]
    assert "tribunal administratif" in text and "recours gracieux" in text
    to_agent = [parse(e) for e in smtp_server.envelopes if e.rcpt_tos == [agent.email]]
    [warning] = [m for m in to_agent if "Décision implicite le" in m["Subject"]]
    assert near.reference_display in warning["Subject"]
    assert "réputée REJETÉE" in warning.get_body(("plain",)).get_content()


@pytest.mark.django_db
@pytest.mark.parametrize("regime", [LegalRegime.SVA, LegalRegime.SVR])
def test_the_decision_sms_fits_two_gsm7_parts(regime, service, commune, settings):
    settings.SITE_URL = "https://demarches.saint-etienne-les-remiremont.fr"
    commune.name = "Mairie de Saint-Étienne-lès-Remiremont"
    commune.save()
    kind = factories.RequestTypeFactory(service=service, legal_regime=regime)
    citizen = factories.CitizenFactory(preferred_channel="sms")
    ticket = factories.make_ticket(
        request_type=kind, citizen=citizen, received_at=timezone.now() - datetime.timedelta(days=70)
    )
    implicit_decisions_run()
    ticket.refresh_from_db()
    notification = Notification(ticket=ticket, template=Template.IMPLICIT_DECISION, channel="sms", recipient="x")
    rendered = render_notification(notification, access_token="x" * 22)
    length = sms_length(rendered.text)
    assert length.encoding == "GSM-7" and length.segments <= 2, (length, rendered.text)
    assert ("acceptée" if regime == LegalRegime.SVA else "rejetée") in rendered.text
