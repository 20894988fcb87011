"""Raw messages as common mail clients write them (tests/intake/messages/), fed to `receive_mail`.

The files keep each client's structure: Gmail's multipart/mixed + alternative with a photo, Outlook's
multipart/related in ISO-8859-1 with "Nom, Prénom" and a French quote header, Thunderbird's format=flowed
text with an RFC 2231 file name and an executable, the iPhone's single quoted-printable part.
"""

import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.notifications.models import Notification, Template
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Attachment, Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def receive(name: str, monkeypatch, **placeholders: str) -> str:
    raw = (MESSAGES / name).read_bytes()
    for key, value in placeholders.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("receive_mail", stdout=out)
    return out.getvalue()


def waiting_ticket_of(email: str, request_type, agent) -> tuple[Ticket, Notification]:
    citizen = factories.CitizenFactory(email=email, first_name="Jean", last_name="Noël")
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Précisez ?", new_status=Status.AWAITING_CITIZEN)
    ticket.refresh_from_db()
    return ticket, Notification.objects.filter(ticket=ticket, template=Template.INFO_REQUESTED).get()


def test_gmail_new_message_with_a_photo(question_type, monkeypatch):
    out = receive("gmail_new_with_photo.eml", monkeypatch)
    ticket = Ticket.objects.get()
    assert out.startswith(f"new_ticket {ticket.reference_display}")
    assert (ticket.channel, ticket.subject) == (Channel.EMAIL, "Trottoir abîmé rue de l'Église")
    assert (ticket.citizen.first_name, ticket.citizen.last_name) == ("Hélène", "Lefèvre")
    body = ticket.answers[0]["value"]
    assert "12 rue de l'Église est très abîmé" in body and "<div" not in body
    [photo] = Attachment.objects.filter(ticket=ticket)
    assert photo.original_name == "IMG_20261127_183512.jpg" and photo.content_type == "image/jpeg"
    assert Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).exists()


def test_outlook_reply_in_iso_8859_1_joins_the_thread(question_type, agent, monkeypatch):
    ticket, notification = waiting_ticket_of("jf.noel@outlook.fr", question_type, agent)
    out = receive(
        "outlook_reply_iso8859.eml",
        monkeypatch,
        REFERENCE=ticket.reference,
        REFERENCE_DISPLAY=ticket.reference_display,
        NOTIFICATION_ID=f"{notification.uuid}@127.0.0.1",
    )
    assert out.startswith(f"reply {ticket.reference_display}")
    reply = Message.objects.get(ticket=ticket, author_kind="citizen")
    assert reply.body.startswith("Bonjour,\n\nVoici la photo demandée, prise ce matin.")
    assert "Jean-François Noël" in reply.body
    assert "Envoyé :" not in reply.body and "Pouvez-vous nous envoyer" not in reply.body
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS  # the citizen answered: back to the agent
    assert Ticket.objects.count() == 1


def test_outlook_style_last_name_first_is_understood(question_type, monkeypatch):
    # The same Outlook message with no ticket to join: a new request from "Noël, Jean-François".
    receive("outlook_reply_iso8859.eml", monkeypatch, REFERENCE="X", REFERENCE_DISPLAY="", NOTIFICATION_ID="x@y")
    citizen = Ticket.objects.get().citizen
    assert (citizen.first_name, citizen.last_name, citizen.email) == ("Jean-François", "Noël", "jf.noel@outlook.fr")


def test_thunderbird_attachment_names_in_rfc_2231_and_a_refused_executable(question_type, monkeypatch):
    receive("thunderbird_new_with_attachments.eml", monkeypatch)
    ticket = Ticket.objects.get()
    assert ticket.subject == "Inscription à la cantine – attestation de domicile"
    assert (ticket.citizen.first_name, ticket.citizen.last_name) == ("Marie-Thérèse", "Dubœuf")
    [pdf] = Attachment.objects.filter(ticket=ticket)
    assert pdf.original_name == "Attestation domicile Hélène.pdf"
    body = ticket.answers[0]["value"]
    assert "école Jules-Ferry" in body
    assert "[Pièce jointe refusée" in body and "facture.exe" in body  # said, not silently dropped


def test_iphone_reply_found_by_the_reference_in_its_subject(question_type, agent, monkeypatch):
    ticket, _ = waiting_ticket_of("helene.lefevre@icloud.com", question_type, agent)
    out = receive("iphone_reply_by_subject.eml", monkeypatch, REFERENCE_DISPLAY=ticket.reference_display)
    assert out.startswith(f"reply {ticket.reference_display}")
    reply = Message.objects.get(ticket=ticket, author_kind="citizen")
    assert reply.body.startswith("Oui, le rendez-vous de mardi me convient.")
    assert "a écrit" not in reply.body and "Le rendez-vous de mardi vous convient-il" not in reply.body


def test_each_client_message_is_handled_once(question_type, monkeypatch):
    receive("gmail_new_with_photo.eml", monkeypatch)
    out = receive("gmail_new_with_photo.eml", monkeypatch)
    assert out.startswith("ignored")
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.get().outcome == InboundOutcome.NEW_TICKET


def test_an_unknown_charset_still_gives_the_text(question_type, monkeypatch):
    raw = (
        b"From: =?x-inconnu?q?Andr=E9?= <andre@example.org>\r\nTo: mairie@ma-commune.fr\r\n"
        b"Subject: Horaires\r\nMessage-ID: <charset-1@example.org>\r\n"
        b'Content-Type: text/plain; charset="unknown-8bit"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        b"Caf\xe9 cr\xe8me \xe0 la mairie ?\r\n"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("receive_mail", stdout=io.StringIO())
    assert Ticket.objects.get().answers[0]["value"] == "Café crème à la mairie ?"
