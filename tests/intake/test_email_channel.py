import io
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from guichet.intake.channels.email import email_receive
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.notifications.models import Notification, Template
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

PDF = (  # one real page: the upload checks open PDFs
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def mail(*, sender="Hélène Lefèvre <helene.lefevre@example.org>", to="mairie@ma-commune.fr", subject="Question",
         text="Bonjour, à quelle heure ouvre la mairie ?", html=None, message_id=None, **headers) -> bytes:  # fmt: skip
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = message_id or f"<{abs(hash((sender, subject, text)))}@client.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def test_a_new_email_becomes_a_ticket_with_an_acknowledgement(question_type):
    received = email_receive(mail(subject="Horaires d’ouverture du samedi"))
    ticket = received.ticket
    assert received.outcome == InboundOutcome.NEW_TICKET
    assert (ticket.channel, ticket.subject, ticket.request_type) == (
        Channel.EMAIL,
        "Horaires d’ouverture du samedi",
        question_type,
    )
    assert ticket.citizen.email == "helene.lefevre@example.org" and ticket.citizen.last_name == "Lefèvre"
    assert ticket.answers[0]["value"].startswith("Bonjour, à quelle heure")
    assert Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).exists()
    assert InboundEmail.objects.get().outcome == InboundOutcome.NEW_TICKET


@pytest.fixture
def waiting_ticket(question_type, citizen, agent):
    ticket = factories.make_ticket(request_type=question_type, citizen=citizen)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Précisez ?", new_status=Status.AWAITING_CITIZEN)
    ticket.refresh_from_db()
    return ticket


QUOTED_REPLY = """C'est devant le numéro 12.

Le sam. 28 nov. 2026 à 14:02, Mairie de Testville <noreply@ma-commune.fr> a écrit :
> Bonjour Hélène Lefèvre,
> Précisez ?
"""


def test_a_reply_to_the_plus_address_joins_the_thread_without_the_quoted_history(waiting_ticket):
    received = email_receive(mail(to=f"mairie+{waiting_ticket.reference}@ma-commune.fr", text=QUOTED_REPLY))
    assert (received.outcome, received.ticket) == (InboundOutcome.REPLY, waiting_ticket)
    message = Message.objects.get(ticket=waiting_ticket, author_kind="citizen")
    assert (message.body, message.channel) == ("C'est devant le numéro 12.", Channel.EMAIL)
    waiting_ticket.refresh_from_db()
    assert waiting_ticket.status == Status.IN_PROGRESS


def test_a_reply_found_by_in_reply_to_or_by_the_reference_in_the_subject(waiting_ticket):
    notification = Notification.objects.filter(ticket=waiting_ticket).first()
    first = email_receive(mail(text="Réponse 1", In_Reply_To=f"<{notification.uuid}@mairie.test>"))
    second = email_receive(mail(subject=f"RE: Votre demande n° {waiting_ticket.reference_display}", text="Réponse 2"))
    assert first.ticket == second.ticket == waiting_ticket
    assert Message.objects.filter(ticket=waiting_ticket, author_kind="citizen").count() == 2


def test_someone_else_replying_to_the_plus_address_opens_a_new_ticket(waiting_ticket):
    received = email_receive(
        mail(sender="Intrus <intrus@example.com>", to=f"mairie+{waiting_ticket.reference}@ma-commune.fr")
    )
    assert received.outcome == InboundOutcome.NEW_TICKET and received.ticket != waiting_ticket
    assert not Message.objects.filter(ticket=waiting_ticket, author_kind="citizen").exists()


def test_the_same_message_fetched_twice_is_handled_once(question_type):
    raw = mail(message_id="<unique-1@client.example>")
    email_receive(raw)
    assert email_receive(raw).outcome == InboundOutcome.IGNORED
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"sender": "MAILER-DAEMON@mx.example.org"},
    ],
)
def test_automatic_replies_and_bounces_are_never_answered(question_type, headers):
    received = email_receive(mail(**headers))
    assert received.outcome == InboundOutcome.IGNORED and received.ticket is None
    assert not Ticket.objects.exists() and not Notification.objects.exists()


def test_html_only_mail_is_kept_as_text_without_markup_or_scripts(question_type):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "mairie@ma-commune.fr", "HTML"
    message["Message-ID"] = "<html-1@client.example>"
    message.set_content("<p>Bonjour <b>mairie</b></p><script>alert(1)</script>", subtype="html")
    ticket = email_receive(message.as_bytes()).ticket
    value = ticket.answers[0]["value"]
    assert "Bonjour mairie" in value and "<" not in value and "alert" not in value


def test_attachments_are_kept_when_accepted_and_refusals_noted(question_type):
    message = EmailMessage()
    message["From"], message["To"] = "Jean Moulin <jean@example.org>", "mairie@ma-commune.fr"
    message["Subject"] = "Pièces pour mon dossier — état civil"
    message["Message-ID"] = "<attach-1@client.example>"
    message.set_content("Voici les pièces.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="courrier scanné.pdf")
    message.add_attachment(b"MZ\x90\x00binary", maintype="application", subtype="octet-stream", filename="x.exe")
    ticket = email_receive(message.as_bytes()).ticket
    assert ticket.subject == "Pièces pour mon dossier — état civil"
    assert list(ticket.attachments.values_list("original_name", flat=True)) == ["courrier scanné.pdf"]
    assert "Pièce jointe refusée" in ticket.answers[0]["value"]


def test_receive_mail_reads_a_raw_message_on_standard_input(question_type, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mail(message_id="<stdin-1@client.example>"))))
    out = io.StringIO()
    call_command("receive_mail", stdout=out)
    ticket = Ticket.objects.get()
    assert out.getvalue().startswith("new_ticket " + ticket.reference_display)


@pytest.mark.parametrize(
    "quote_header",
    [
        "On Sat, Nov 28, 2026 at 2:02 PM Mairie <noreply@ma-commune.fr> wrote:",  # Gmail in English
        "De : Mairie <noreply@ma-commune.fr>\nEnvoyé : samedi 28 novembre 2026 14:02\nÀ : Hélène\nObjet : Demande",  # Outlook
    ],
)
def test_quoted_history_of_common_clients_is_stripped(waiting_ticket, quote_header):
    text = f"Voici la précision demandée.\n\n{quote_header}\n> Bonjour,\n> Précisez ?\n"
    email_receive(mail(to=f"mairie+{waiting_ticket.reference}@ma-commune.fr", text=text))
    assert Message.objects.get(ticket=waiting_ticket, author_kind="citizen").body == "Voici la précision demandée."


def test_quote_headers_are_cut_even_when_the_parser_misses_them():
    from guichet.intake.channels.email import strip_quoted_history

    assert (
        strip_quoted_history("Oui.\n\nLe 28 nov. 2026, Mairie de Testville\n<noreply@ma-commune.fr> a écrit :\n> Q ?")
        == "Oui."
    )
    assert strip_quoted_history("De : moi\nBonjour") == "De : moi\nBonjour"  # a message starting like a header stays
    assert strip_quoted_history("Réponse\n-------- Message d'origine --------\nBla") == "Réponse"


def bounce_for(notification, domain="127.0.0.1") -> bytes:
    """A delivery status notification as Postfix sends it, quoting our message's headers."""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: noreply@{domain}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.
I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; helene.lefevre@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B1
Content-Type: text/rfc822-headers

Message-ID: <{notification.uuid}@{domain}>
Subject: Demande recue
From: Mairie <noreply@{domain}>

--B1--
""".replace("\n", "\r\n").encode()


def test_a_bounce_marks_our_notification_failed_and_creates_nothing(question_type, citizen):
    from guichet.notifications.models import DeliveryStatus
    from guichet.tickets.models import Event, EventKind

    ticket = factories.make_ticket(request_type=question_type, citizen=citizen)
    notification = Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)
    received = email_receive(bounce_for(notification))
    assert (received.outcome, received.reason) == (InboundOutcome.IGNORED, "avis de non-remise")
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED
    assert "550 5.1.1 User unknown" in notification.last_error
    assert Event.objects.filter(ticket=ticket, kind=EventKind.NOTIFICATION_FAILED).count() == 1
    assert Ticket.objects.count() == 1  # the bounce made no ticket


def test_empty_return_path_and_our_own_messages_never_make_tickets(question_type):
    assert email_receive(mail(Return_Path="<>")).outcome == InboundOutcome.IGNORED
    own = email_receive(mail(message_id="<0b7f1c9e-1111-2222-3333-444455556666@127.0.0.1>"))
    assert (own.outcome, own.reason) == (InboundOutcome.IGNORED, "notre propre message (boucle)")
    assert not Ticket.objects.exists()
