"""Every acknowledgement, in every channel and for every legal regime, states what CRPA R112-5 requires.

The mentions a type needs come from the checker's list (``required_mentions``); each is looked for in the real
output: the email delivered to a local SMTP server, the SMS and the page it links to, the counter receipt PDF
and the letter PDF.
"""

import datetime
import html
import io
import json
import re
from email import message_from_bytes, policy

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pdfminer.high_level import extract_text

from guichet.catalogue.models import LegalRegime
from guichet.intake.receipts import counter_receipt_pdf
from guichet.mailroom.letters import letter_pdf, letter_queue
from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.tickets import services
from guichet.tickets.acknowledgement import Mention, acknowledgement, required_mentions
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db

REGIMES = ["report", "sva", "svr", "exempt"]
COURT = "Tribunal administratif de Strasbourg, 31 avenue de la Paix, 67000 Strasbourg"
IMPLICIT_ON = datetime.date(2027, 2, 8)


@pytest.fixture
def legal_commune(commune):
    commune.address = "1 place de l'Hôtel de Ville\n88200 Remiremont"
    commune.administrative_court = COURT
    commune.save()
    return commune


@pytest.fixture
def urbanism(legal_commune):
    return factories.ServiceFactory(
        name="Urbanisme",
        slug="urbanisme",
        email="urbanisme@mairie.test",
        postal_address="Centre technique\n4 rue des Jardins\n88200 Remiremont",
        phone="03 29 00 00 01",
    )


def request_type_for(regime: str, service):
    kwargs = {"legal_regime": LegalRegime.REPORT}
    if regime == "exempt":
        kwargs = {"legal_regime": LegalRegime.SVA, "acknowledgement_exempt": True}
    elif regime in ("sva", "svr"):
        kwargs = {"legal_regime": regime}
    return factories.RequestTypeFactory(service=service, name=f"Démarche {regime}", **kwargs)


def ticket_for(regime: str, service, citizen, **kwargs) -> Ticket:
    ticket = factories.make_ticket(request_type=request_type_for(regime, service), citizen=citizen, **kwargs)
    if regime in ("sva", "svr"):
        # ticket_create computes it from the type's delay; a fixed date keeps the expected texts simple.
        Ticket.objects.filter(pk=ticket.pk).update(implicit_decision_on=IMPLICIT_ON)
        ticket.refresh_from_db()
    return ticket


def squeeze(text: str) -> str:
    """Without any white space or page numbers: a line wrapped anywhere (a PDF's narrow column) still matches."""
    return "".join(re.sub(r"\b\d+ / \d+\b", "", text).split())


def expected(ticket: Ticket) -> dict[str, str]:
    """Each required mention's text, as the builder words it, in French."""
    with translation.override("fr"):
        ack = acknowledgement(ticket)
    found = {}
    for key in required_mentions(ticket.request_type):
        line = ack.mention(key)
        assert line is not None, f"{key} missing from the builder for {ticket.request_type.legal_regime}"
        found[key] = line.text
    return found


def assert_every_mention(ticket: Ticket, text: str) -> None:
    haystack = squeeze(text)
    for key, wording in expected(ticket).items():
        assert squeeze(wording) in haystack, f"mention {key!r} missing: {wording!r}"


def assert_no_legal_block(text: str) -> None:
    assert squeeze("Ce que la loi nous demande de vous indiquer") not in squeeze(text)
    assert "Datederéceptiondevotredemande" not in squeeze(text)


def html_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


# The mentions themselves --------------------------------------------------------------------------


def test_required_mentions_follow_the_regime(urbanism):
    contact = [Mention.RECEIVED_ON, Mention.SERVICE, Mention.SERVICE_ADDRESS, Mention.SERVICE_EMAIL]
    assert required_mentions(request_type_for("report", urbanism))[:4] == contact
    assert Mention.SERVICE_PHONE in required_mentions(request_type_for("report", urbanism))
    assert Mention.ATTESTATION in required_mentions(request_type_for("sva", urbanism))
    assert Mention.APPEAL not in required_mentions(request_type_for("sva", urbanism))
    assert {Mention.IMPLICIT_DECISION_DATE, Mention.SILENCE_MEANS, Mention.APPEAL} <= set(
        required_mentions(request_type_for("svr", urbanism))
    )
    assert Mention.IMPLICIT_DECISION_DATE not in required_mentions(request_type_for("report", urbanism))
    # R112-4: no acknowledgement within the meaning of L112-3, so no mention is owed.
    assert required_mentions(request_type_for("exempt", urbanism)) == []


def test_service_contact_falls_back_to_the_commune(legal_commune):
    bare = factories.ServiceFactory(name="Cimetière", slug="cimetiere", email="")
    contact = bare.contact
    assert contact.postal_address == legal_commune.address
    assert contact.email == legal_commune.email
    assert contact.phone == legal_commune.phone
    assert "Cimetière" in contact.designation and legal_commune.name in contact.designation


def test_service_contact_prefers_its_own_details(urbanism):
    contact = urbanism.contact
    assert contact.postal_address.startswith("Centre technique")
    assert (contact.email, contact.phone) == ("urbanisme@mairie.test", "03 29 00 00 01")


def test_svr_states_the_date_the_rejection_and_the_appeal_routes(urbanism, citizen):
    ticket = ticket_for("svr", urbanism, citizen)
    wording = expected(ticket)
    assert "8 février 2027" in wording[Mention.IMPLICIT_DECISION_DATE]
    assert "rejetée" in wording[Mention.IMPLICIT_DECISION_DATE]
    assert "vaut rejet" in wording[Mention.SILENCE_MEANS]
    assert "deux mois" in wording[Mention.APPEAL] and COURT in wording[Mention.APPEAL]
    assert "recours gracieux" in wording[Mention.APPEAL] and "Télérecours" in wording[Mention.APPEAL]


def test_sva_states_the_acceptance_and_the_attestation(urbanism, citizen):
    ticket = ticket_for("sva", urbanism, citizen)
    wording = expected(ticket)
    assert "acceptée" in wording[Mention.IMPLICIT_DECISION_DATE]
    assert "vaut acceptation" in wording[Mention.SILENCE_MEANS]
    assert "L232-3" in wording[Mention.ATTESTATION]


def test_without_a_computed_date_the_delay_is_stated(urbanism, citizen):
    request_type = request_type_for("sva", urbanism)
    request_type.implicit_decision_months = 4
    request_type.implicit_decision_days = 15
    request_type.save()
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    # Silence meaning acceptance: while missing documents are awaited there is no date (L114-5).
    services.documents_request(
        ticket=ticket,
        agent=factories.AgentFactory(services=[urbanism]).user,
        items=["Plan de situation"],
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    ticket.refresh_from_db()
    assert ticket.implicit_decision_on is None
    assert "4 mois et 15 jours" in expected(ticket)[Mention.IMPLICIT_DECISION_DATE]


def test_missing_documents_are_listed_when_the_ticket_has_an_open_request(urbanism, citizen):
    ticket = ticket_for("svr", urbanism, citizen)
    agent = factories.AgentFactory(services=[urbanism]).user
    services.documents_request(
        ticket=ticket,
        agent=agent,
        items=["Plan de situation", "Photo de la façade"],
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    from guichet.notifications.rendering import render_notification

    notification = Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)
    rendered = render_notification(notification, access_token="jeton")
    assert "Pièces manquantes" in rendered.text
    assert "- Plan de situation\n- Photo de la façade" in rendered.text
    assert "<li>Photo de la façade</li>" in html.unescape(rendered.html)


def test_without_missing_documents_no_such_mention(urbanism, citizen):
    ticket = ticket_for("report", urbanism, citizen)
    assert acknowledgement(ticket).mention(Mention.MISSING_DOCUMENTS) is None


# Every channel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("regime", REGIMES)
def test_email_acknowledgement_delivered_by_smtp_states_every_mention(regime, urbanism, citizen, smtp_server):
    ticket = ticket_for(regime, urbanism, citizen)
    notification = Notification.objects.get(
        ticket=ticket, template=Template.ACKNOWLEDGEMENT, channel=NotificationChannel.EMAIL
    )
    assert deliver(notification.pk) == "sent"

    (envelope,) = smtp_server.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    markup = html_text(message.get_body(preferencelist=("html",)).get_content())
    assert ticket.reference_display in text  # the receipt itself, whatever the regime
    if regime == "exempt":
        assert_no_legal_block(text)
        assert_no_legal_block(markup)
    else:
        assert_every_mention(ticket, text)
        assert_every_mention(ticket, markup)
    ticket.refresh_from_db()
    assert ticket.acknowledged_at is not None and ticket.acknowledged_at >= ticket.created_at


@pytest.mark.parametrize("regime", REGIMES)
def test_sms_acknowledgement_links_to_a_page_that_states_every_mention(regime, urbanism, client):
    texter = factories.CitizenFactory(email="", consent_sms=True, preferred_channel="sms")
    ticket = ticket_for(regime, urbanism, texter)
    notification = Notification.objects.get(ticket=ticket, channel=NotificationChannel.SMS)
    assert deliver(notification.pk) == "sent"

    (sent,) = settings.SMS_FILE_PATH.glob("*.json")
    sms = json.loads(sent.read_text())["text"]
    assert ticket.reference_display in sms
    assert timezone.localtime(ticket.created_at).strftime("%d/%m/%Y") in sms
    url = re.search(r"https?://\S+", sms).group()
    assert ("Accusé de réception" in sms) is (regime != "exempt")

    page = client.get(url.removeprefix(settings.SITE_URL), follow=True)
    assert page.status_code == 200
    content = html_text(page.content.decode())
    if regime == "exempt":
        assert_no_legal_block(content)
    else:
        assert_every_mention(ticket, content)


@pytest.mark.parametrize("layout", ["a4", "ticket80"])
@pytest.mark.parametrize("regime", REGIMES)
def test_counter_receipt_states_every_mention(regime, layout, urbanism, citizen):
    ticket = ticket_for(regime, urbanism, citizen, channel=Channel.COUNTER, acknowledge=False)
    token = access_token_issue(ticket=ticket)
    url = settings.SITE_URL + reverse("portal:access", args=[ticket.reference, token])
    text = extract_text(io.BytesIO(counter_receipt_pdf(ticket=ticket, access_url=url, layout=layout)))
    assert squeeze(ticket.reference_display) in squeeze(text)
    if regime == "exempt":
        assert_no_legal_block(text)
    else:
        assert_every_mention(ticket, text)


@pytest.mark.parametrize("regime", REGIMES)
def test_acknowledgement_letter_states_every_mention(regime, urbanism):
    writer = factories.CitizenFactory(
        email="", phone="", street="3 rue Haute", postcode="88200", city="Remiremont", preferred_channel="post"
    )
    ticket = ticket_for(regime, urbanism, writer, channel=Channel.MAIL, acknowledge=False)
    letter = letter_queue(ticket=ticket, template=Template.ACKNOWLEDGEMENT, message_id=None)
    assert letter is not None
    text = extract_text(io.BytesIO(letter_pdf(letter)))
    assert "Nous avons bien reçu votre courrier" in " ".join(text.split())
    if regime == "exempt":
        assert_no_legal_block(text)
    else:
        assert_every_mention(ticket, text)


def test_acknowledgement_reads_in_english(urbanism, citizen):
    ticket = ticket_for("svr", urbanism, citizen)
    with translation.override("en"):
        ack = acknowledgement(ticket)
    labels = [line.label for line in ack.lines]
    assert "Date of receipt of your request" in labels
    assert "Appeal time limits and routes" in labels
    assert "rejected" in ack.mention(Mention.IMPLICIT_DECISION_DATE).text


def test_web_confirmation_page_states_every_mention(urbanism, citizen, client):
    ticket = ticket_for("sva", urbanism, citizen)
    token = access_token_issue(ticket=ticket)
    client.get(reverse("portal:access", args=[ticket.reference, token]))
    page = client.get(reverse("portal:confirmation", args=[ticket.reference]))
    assert page.status_code == 200
    assert_every_mention(ticket, html_text(page.content.decode()))
