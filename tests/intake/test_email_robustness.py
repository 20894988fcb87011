"""The email channel never fails on a message's content: ticket, reply, robot on record, or quarantine."""

import base64
import io
import socket
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.db import OperationalError

from guichet.intake.channels import email as email_channel
from guichet.intake.channels.email import email_receive
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.notifications.models import DeliveryStatus, Notification, Template
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Attachment, Message, Ticket
from tests import factories
from tests.lib.malformed import pdf_bytes

pytestmark = pytest.mark.django_db

PDF = pdf_bytes()  # a real one-page PDF: the content checks open every PDF
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def raw(headers: str, body: str = "Bonjour,\r\nle lampadaire est éteint.\r\n", *, encoding: str = "utf-8") -> bytes:
    head = headers.strip().replace("\r\n", "\n").replace("\n", "\r\n")
    return (head + "\r\n\r\n" + body).encode(encoding)


def receive_mail(data: bytes, monkeypatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = io.StringIO()
    try:
        call_command("receive_mail", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


# Senders ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        '"' + "Hélène " * 30 + 'Lefèvre" <helene@example.org>',  # display name over 100 characters
        "Jean <" + "j" * 60 + "@" + "tres-long-domaine-de-messagerie." * 2 + "example.org>",  # address over 100
    ],
)
def test_long_names_and_addresses_become_tickets(question_type, monkeypatch, sender):
    code, out = receive_mail(raw(f"From: {sender}\nTo: mairie@ma-commune.fr\nSubject: Lampadaire"), monkeypatch)
    assert code == 0 and out.startswith("new_ticket")
    ticket = Ticket.objects.get()
    assert len(ticket.citizen.first_name) <= 100 and len(ticket.citizen.last_name) <= 100


@pytest.mark.parametrize(
    "from_line",
    [
        "From: <not-an-email>",
        "From: helene@example.org.",
        "From: Hélène <helene@exa mple.org>",
        "",
        "From: ",
        "From: <>",
    ],
)
def test_no_usable_sender_goes_to_quarantine_not_to_the_robots(question_type, monkeypatch, from_line):
    data = raw(f"{from_line}\nTo: mairie@ma-commune.fr\nSubject: Mon voisin\nMessage-ID: <q-{hash(from_line)}@x>")
    code, out = receive_mail(data, monkeypatch)
    assert code == 0 and out.startswith("quarantined")
    kept = InboundEmail.objects.get()
    assert kept.outcome == InboundOutcome.QUARANTINED and kept.in_quarantine
    assert kept.raw.read() == data  # kept whole
    assert not Ticket.objects.exists()


def test_a_message_whose_first_line_is_not_a_header_goes_to_quarantine(question_type, monkeypatch):
    data = b"Bonjour la mairie, voici ma demande\r\nFrom: helene@example.org\r\n\r\ntexte"
    code, out = receive_mail(data, monkeypatch)
    assert code == 0
    kept = InboundEmail.objects.get()
    assert kept.outcome == InboundOutcome.QUARANTINED and "en-têtes" in kept.reason


def test_a_rewritten_from_is_not_parsed_again(question_type):
    # The display name decodes to text that looks like an address: it stays a name.
    data = raw("From: =?utf-8?q?=22Lef=C3=A8vre=22_=3Cfaux=40pirate=2Eexample=3E?= <helene@example.org>\nSubject: A")
    ticket = email_receive(data).ticket
    assert ticket.citizen.email == "helene@example.org"
    assert "pirate" not in ticket.citizen.email


# Robots -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied",
        "Precedence: list",
        "Precedence: junk",
        "X-Autorespond: yes",
        "X-Loop: mairie",
        "X-Auto-Response-Suppress: All",
        "List-Id: <voisins.lists.example.org>",
        "List-Unsubscribe: <mailto:leave@lists.example.org>",
        "Sender: owner-voisins@lists.example.org",
        "Sender: voisins-bounces@lists.example.org",
        "Return-Path: <owner-voisins@lists.example.org>",
        "Return-Path: <bounces+123@mail.example.net>",
        "X-Spam-Flag: YES",
        "X-GitHub-Reason: mention",
        "X-Gitlab-Project: guichet",
        "X-Redmine-Issue-Id: 42",
        "X-JIRA-FingerPrint: abc",
    ],
)
def test_robots_are_recognised_by_their_headers_and_recorded(question_type, headers):
    data = raw(f"From: Quelqu'un <someone@example.org>\nTo: mairie@ma-commune.fr\nSubject: Info\n{headers}")
    received = email_receive(data)
    assert (received.outcome, received.ticket) == (InboundOutcome.IGNORED, None)
    assert InboundEmail.objects.get().reason  # on record, with why
    assert not Ticket.objects.exists()


def test_a_multipart_report_without_our_notification_is_a_robot(question_type):
    data = raw(
        "From: Mail Delivery System <mailer@mx.example.org>\nSubject: Delivery\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n",
    )
    assert email_receive(data).outcome == InboundOutcome.IGNORED and not Ticket.objects.exists()


# Parsing ----------------------------------------------------------------------------------------------


def test_images_nested_in_alternative_related_are_kept_even_marked_attachment(question_type):
    message = EmailMessage()
    message["From"], message["Subject"] = "Hélène <helene@example.org>", "Photo du trou"
    message.set_content("Voici la photo.")
    message.add_alternative("<p>Voici la photo.</p><img src='cid:photo1'>", subtype="html")
    html = message.get_payload()[1]
    html.add_related(PNG, maintype="image", subtype="png", cid="<photo1>", filename="trou.png")
    html.get_payload()[1].replace_header("Content-Disposition", 'attachment; filename="trou.png"')
    ticket = email_receive(message.as_bytes()).ticket
    assert list(ticket.attachments.values_list("original_name", flat=True)) == ["trou.png"]
    assert ticket.answers[0]["value"] == "Voici la photo."


def test_a_message_that_is_one_attachment_is_not_an_empty_ticket(question_type):
    body = base64.encodebytes(PDF).decode()
    data = raw(
        "From: helene@example.org\nSubject: Scan\nMIME-Version: 1.0\nContent-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="attestation.pdf"\nContent-Transfer-Encoding: base64',
        body,
    )
    ticket = email_receive(data).ticket
    assert ticket.attachments.get().original_name == "attestation.pdf"
    assert "attestation.pdf" in ticket.answers[0]["value"]


def test_a_forwarded_message_counts_with_its_text_and_attachments(question_type):
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "Voisin <voisin@example.org>", "Le trou rue Haute"
    inner.set_content("Il y a un trou énorme rue Haute.")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="plan.pdf")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "helene@example.org", "TR: Le trou rue Haute"
    outer.make_mixed()
    outer.attach(_rfc822(inner))
    ticket = email_receive(outer.as_bytes()).ticket
    assert "trou énorme rue Haute" in ticket.answers[0]["value"]
    assert ticket.attachments.get().original_name == "plan.pdf"


def _rfc822(inner: EmailMessage) -> EmailMessage:
    part = EmailMessage()
    part.set_content(inner)
    return part


def test_mixed_html_and_text_parts_keep_the_real_body(question_type):
    data = raw(
        'From: helene@example.org\nSubject: Voirie\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"',
        "--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Le trottoir est défoncé devant le 12.</p>\r\n"
        "--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n-- \r\nHélène, envoyé de mon mobile\r\n--m--\r\n",
    )
    value = email_receive(data).ticket.answers[0]["value"]
    assert "trottoir est défoncé" in value and "envoyé de mon mobile" in value


@pytest.mark.parametrize(
    ("label", "text", "encoding"),
    [
        ("gb2312", "关于路灯的问题，镕", "gbk"),  # 镕 is GBK, not GB2312
        ("ks_c_5601-1987", "가로등 문제 똠방각하", "cp949"),
        ("iso-8859-1", "Œuvre – “rue” de l’Église", "windows-1252"),
        ("shift_jis", "街灯の件①", "cp932"),
        ("koi8-r", "Фонарь не горит", "koi8-r"),
    ],
)
def test_bodies_decode_with_the_superset_of_their_declared_charset(question_type, label, text, encoding):
    data = (
        f"From: someone@example.org\r\nSubject: Charset\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + text.encode(encoding)
    assert email_receive(data).ticket.answers[0]["value"] == text


@pytest.mark.parametrize(("charset", "encoding"), [("gb2312", "gbk"), ("shift_jis", "cp932")])
def test_raw_8bit_headers_are_decoded(question_type, charset, encoding):
    subject, name = ("关于路灯的问题", "张伟") if encoding == "gbk" else ("街灯の件", "山田 太郎")
    data = (
        f"From: {name} <someone@example.org>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode(encoding) + "正文".encode(encoding)
    ticket = email_receive(data).ticket
    assert ticket.subject == subject
    assert ticket.citizen.full_name.replace(" ", "") == name.replace(" ", "")


def test_attachments_the_checks_cannot_read_are_set_aside_and_flagged(question_type, monkeypatch):
    def crash(upload):
        raise ValueError("checker crashed")  # what a content checker still raised on a hostile file

    monkeypatch.setattr(email_channel, "check_upload", crash)
    message = EmailMessage()
    message["From"], message["Subject"] = "helene@example.org", "Pièce"
    message.set_content("Voici.")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="photo.png")
    raw_bytes = message.as_bytes()
    received = email_receive(raw_bytes)
    assert received.outcome == InboundOutcome.NEW_TICKET
    assert "photo.png" in received.ticket.answers[0]["value"]
    inbound = InboundEmail.objects.get()
    assert [item["name"] for item in inbound.set_aside] == ["photo.png"]
    assert inbound.raw.read() == raw_bytes


def test_attachment_count_and_total_size_limits_apply(question_type, settings):
    settings.GUICHET_ATTACHMENT_MAX_COUNT = 2
    settings.GUICHET_ATTACHMENT_MAX_TOTAL_BYTES = len(PDF) * 2 + len(PNG) + 10
    message = EmailMessage()
    message["From"], message["Subject"] = "helene@example.org", "Pièces"
    message.set_content("Voici mes pièces.")
    for index in range(4):
        message.add_attachment(PDF + b" " * index, maintype="application", subtype="pdf", filename=f"p{index}.pdf")
    ticket = email_receive(message.as_bytes()).ticket
    assert sorted(ticket.attachments.values_list("original_name", flat=True)) == ["p0.pdf", "p1.pdf"]
    inbound = InboundEmail.objects.get()
    assert [item["name"] for item in inbound.set_aside] == ["p2.pdf", "p3.pdf"]
    assert "au-delà de 2 pièces jointes" in ticket.answers[0]["value"]

    settings.GUICHET_ATTACHMENT_MAX_COUNT = 5
    big = EmailMessage()
    big["From"], big["Subject"], big["Message-ID"] = "helene@example.org", "Gros", "<big@x>"
    big.set_content("Voici.")
    big.add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    big.add_attachment(PDF + b"x" * 200, maintype="application", subtype="pdf", filename="b.pdf")
    ticket = email_receive(big.as_bytes()).ticket
    assert list(ticket.attachments.values_list("original_name", flat=True)) == ["a.pdf"]
    assert "taille totale" in ticket.answers[0]["value"]


# Delivery reports -------------------------------------------------------------------------------------


def _report(notification, *, action: str, status: str) -> bytes:
    return raw(
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nSubject: Delivery Status Notification\n"
        f"Message-ID: <dsn-{action}@mx.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery report.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; helene@example.org\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{notification.uuid}@127.0.0.1>\r\n\r\n--B--\r\n",
    )


def test_a_delay_notice_does_not_fail_the_acknowledgement_but_a_final_failure_does(question_type, citizen):
    ticket = factories.make_ticket(request_type=question_type, citizen=citizen)
    notification = Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)
    before = notification.status
    delayed = email_receive(_report(notification, action="delayed", status="4.4.7"))
    assert delayed.reason == "avis de retard de remise"
    notification.refresh_from_db()
    assert notification.status == before != DeliveryStatus.FAILED
    email_receive(_report(notification, action="failed", status="5.1.1"))
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED
    assert Ticket.objects.count() == 1


# Exit codes -------------------------------------------------------------------------------------------


@pytest.fixture
def waiting_ticket(question_type, citizen, agent):
    ticket = factories.make_ticket(request_type=question_type, citizen=citizen)
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Précisez ?", new_status=Status.AWAITING_CITIZEN)
    return ticket


@pytest.mark.django_db(transaction=True)
def test_a_stored_reply_exits_0_even_when_the_cache_is_down(waiting_ticket, settings, monkeypatch):
    with socket.socket() as probe:  # a Redis port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "guichet.lib.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}"}}
    data = raw(
        f"From: {waiting_ticket.citizen.email}\nTo: mairie+{waiting_ticket.reference}@ma-commune.fr\nSubject: Re"
        "\nMessage-ID: <reply-cache@x>",
        "C'est devant le 12.",
    )
    code, _out = receive_mail(data, monkeypatch)
    assert code == 0
    assert Message.objects.filter(ticket=waiting_ticket, author_kind="citizen").count() == 1
    assert InboundEmail.objects.get(message_id="<reply-cache@x>").outcome == InboundOutcome.REPLY


def test_receive_mail_exits_75_when_nothing_could_be_stored(question_type, monkeypatch):
    def database_down(raw_bytes, message_id):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(email_channel, "_receive", database_down)
    code, _out = receive_mail(raw("From: helene@example.org\nSubject: A"), monkeypatch)
    assert code == 75
    assert not InboundEmail.objects.exists()


def test_an_unexpected_error_quarantines_the_message_whole(question_type, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(email_channel, "ticket_create", broken)
    data = raw("From: helene@example.org\nSubject: A\nMessage-ID: <bug@x>")
    code, out = receive_mail(data, monkeypatch)
    assert code == 0 and out.startswith("quarantined")
    kept = InboundEmail.objects.get()
    assert kept.in_quarantine and kept.raw.read() == data and "RuntimeError" in kept.reason
    assert not Attachment.objects.exists()


def test_control_characters_never_reach_the_database(question_type):
    # PostgreSQL refuses NUL in text and JSON: a NUL in a header or the body must not make the message fail.
    data = raw(
        "From: Hel\x00ene <helene@example.org>\nSubject: Trou\x00 rue\x07 Haute\nMessage-ID: <nul\x00@x>",
        "Bonjour\x00 la mairie.\x1b",
    )
    received = email_receive(data)
    assert received.outcome == InboundOutcome.NEW_TICKET
    ticket = received.ticket
    assert (ticket.subject, ticket.answers[0]["value"]) == ("Trou rue Haute", "Bonjour la mairie.")
    assert InboundEmail.objects.get().message_id == "<nul@x>"


def test_a_reply_with_a_refused_attachment_keeps_the_note_after_the_stripped_history(waiting_ticket):
    message = EmailMessage()
    message["From"], message["Subject"] = waiting_ticket.citizen.email, "Re: votre demande"
    message["To"] = f"mairie+{waiting_ticket.reference}@ma-commune.fr"
    message.set_content(
        "Voici le document.\n\nLe 28 nov. 2026, Mairie <noreply@ma-commune.fr> a écrit :\n> Précisez ?\n"
    )
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="virus.exe")
    assert email_receive(message.as_bytes()).outcome == InboundOutcome.REPLY
    body = Message.objects.get(ticket=waiting_ticket, author_kind="citizen").body
    assert body.startswith("Voici le document.") and "Précisez" not in body
    assert "virus.exe" in body
