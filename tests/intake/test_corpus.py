"""Real-world-shaped raw messages (tests/intake/messages/corpus/) fed to `receive_mail` on standard input.

A file's name says what must come of it: `ticket__…`, `reply__…`, `robot__…` (recorded, not ticketed) or
`quarantine__…` (kept whole for an agent). Whatever the message, the command exits 0 and leaves a trace.
The fuzz test mutates these messages (bit flips, cuts, lost or doubled header lines, odd charsets).
"""

import base64
import io
import random
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.intake.channels.email import email_receive, message_id_of
from guichet.intake.models import InboundEmail, InboundOutcome
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Message, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "messages" / "corpus"
FILES = sorted(path.name for path in CORPUS.glob("*.eml"))
EXPECTED = {
    "ticket": InboundOutcome.NEW_TICKET,
    "reply": InboundOutcome.REPLY,
    "robot": InboundOutcome.IGNORED,
    "quarantine": InboundOutcome.QUARANTINED,
}
# What a careful reader finds in some of them: (subject, text in the body, attachment names, set aside).
DETAILS = {
    "ticket__rfc2047_subject_mixed_words.eml": ("Dépôt sauvage près de l'école", "gravats", [], []),
    "ticket__body_iso8859_1_with_cp1252_chars.eml": (
        "Éclairage – rue du Cœur",
        "l’éclairage de la rue du Cœur",
        [],
        [],
    ),
    "ticket__body_windows1252_quoted_printable.eml": ("Haie", "c’est dangereux « vraiment »", [], []),
    "ticket__body_koi8r.eml": ("Фонарь", "Фонарь у дома 5 не горит.", [], []),
    "ticket__body_gb2312_label_gbk_chars_8bit_headers.eml": ("关于路灯的问题", "路灯坏了，请修理。镕", [], []),
    "ticket__body_shift_jis_8bit_headers.eml": ("街灯の件①", "街灯が壊れています。①", [], []),
    "ticket__raw_latin1_header_no_charset.eml": ("Problème de voirie", "nid de poule", [], []),
    "ticket__html_only.eml": ("Poubelles", "n'ont pas été ramassées mardi", [], []),
    "ticket__apple_mail_alternative_related_image.eml": ("Photo du banc cassé", "Le banc du square", ["banc.png"], []),
    "ticket__outlook_tnef_winmail.eml": ("Demande d'autorisation de voirie", "autorisation", [], ["winmail.dat"]),
    "ticket__forwarded_rfc822_with_attachment.eml": ("Fwd: Arbre tombé", "chemin des Vignes", ["plan.pdf"], []),
    "ticket__single_attachment_part.eml": ("Numérisation", "scan0001.pdf", ["scan0001.pdf"], []),
    "ticket__mixed_html_body_and_text_signature.eml": ("Stationnement", "passage piéton", [], []),
    "ticket__deeply_nested_multiparts.eml": ("Nested", "", [], []),
    "ticket__subject_only_empty_body.eml": ("Rappelez-moi au 06 12 34 56 78", "", [], []),
}


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def receive_mail(raw: bytes, monkeypatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    try:
        call_command("receive_mail", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def corpus_message(name: str, request_type, agent) -> bytes:
    raw = (CORPUS / name).read_bytes()
    if b"{{" in raw:  # a reply: to a ticket waiting for this citizen
        citizen = factories.CitizenFactory(email="jean.noel@example.org", first_name="Jean", last_name="Noël")
        ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
        services.message_post_by_agent(
            ticket=ticket, agent=agent, body="Précisez ?", new_status=Status.AWAITING_CITIZEN
        )
        for key, value in {
            "REFERENCE": ticket.reference,
            "CITIZEN_EMAIL": citizen.email,
            "CITIZEN_NAME": "Jean Noël",
        }.items():
            raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


@pytest.mark.parametrize("name", FILES)
def test_every_corpus_message_has_its_expected_outcome(question_type, agent, monkeypatch, name):
    raw = corpus_message(name, question_type, agent)
    tickets_before = Ticket.objects.count()
    code, out = receive_mail(raw, monkeypatch)
    expected = EXPECTED[name.split("__")[0]]
    assert code == 0 and out.startswith(expected), out
    inbound = InboundEmail.objects.get(message_id=message_id_of(raw))
    assert inbound.outcome == expected and (inbound.reason or expected in {"new_ticket", "reply"})
    if expected == InboundOutcome.QUARANTINED:
        assert inbound.in_quarantine and inbound.raw.read() == raw
    if expected in {InboundOutcome.IGNORED, InboundOutcome.QUARANTINED}:
        assert Ticket.objects.count() == tickets_before
    if expected == InboundOutcome.REPLY:
        assert Message.objects.get(ticket=inbound.ticket, author_kind="citizen").body == "C'est devant le numéro 12."
    if name in DETAILS:
        subject, text, attachments, set_aside = DETAILS[name]
        ticket = inbound.ticket
        assert ticket.subject == subject
        assert text in ticket.answers[0]["value"] and ticket.answers[0]["value"].strip()
        assert sorted(ticket.attachments.values_list("original_name", flat=True)) == attachments
        assert [item["name"] for item in inbound.set_aside] == set_aside
        if set_aside:
            assert inbound.raw.read() == raw


def test_a_huge_message_with_a_big_attachment_is_a_ticket_with_the_file_set_aside(question_type, monkeypatch):
    big = b"%PDF-1.4\n" + bytes(random.Random(13).getrandbits(8) for _ in range(1024)) * (11 * 1024) + b"\n%%EOF\n"
    text = "Bonjour, voici le dossier complet.\r\n" + ("Ligne de texte très longue du dossier. " * 20 + "\r\n") * 3000
    raw = (
        (
            "From: Gros Dossier <dossier@example.org>\r\nTo: mairie@ma-commune.fr\r\nSubject: Dossier complet\r\n"
            'Message-ID: <huge@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="H"\r\n\r\n'
            f"--H\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            '--H\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="dossier.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + base64.encodebytes(big).replace(b"\n", b"\r\n")
        + b"--H--\r\n"
    )
    assert len(raw) > 15 * 1024 * 1024
    code, out = receive_mail(raw, monkeypatch)
    assert code == 0 and out.startswith("new_ticket")
    inbound = InboundEmail.objects.get()
    assert [item["name"] for item in inbound.set_aside] == ["dossier.pdf"] and inbound.size == len(raw)
    assert "dépasse la taille maximale" in inbound.ticket.answers[0]["value"]


# Fuzzing ------------------------------------------------------------------------------------------------

SEEDS = [(CORPUS / name).read_bytes() for name in FILES if not name.startswith("reply__")]


def _mutate(raw: bytes, operations: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(raw)
    for kind, position, value in operations:
        if not data:
            break
        at = position % len(data)
        if kind == "flip":
            data[at] ^= 1 << (value % 8)
        elif kind == "byte":
            data[at] = value % 256
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = bytes([value % 256]) * (value % 7 + 1)
        elif kind == "drop_line":
            lines = bytes(data).split(b"\n")
            del lines[position % len(lines)]
            data = bytearray(b"\n".join(lines))
        elif kind == "double_line":
            lines = bytes(data).split(b"\n")
            line = position % len(lines)
            lines.insert(line, lines[line])
            data = bytearray(b"\n".join(lines))
        elif kind == "charset":
            labels = [b"gb2312", b"x-unknown", b"utf-7", b"", b"shift_jis", b"\xff\xfe", b"koi8-u", b"utf-16"]
            data = bytearray(bytes(data).replace(b"charset=", b"charset=" + labels[value % len(labels)] + b";x="))
    return bytes(data)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "byte", "cut", "insert", "drop_line", "double_line", "charset"]),
        st.integers(min_value=0, max_value=1_000_000),
        st.integers(min_value=0, max_value=255),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEEDS), operations=OPERATIONS)
def test_mutated_messages_never_crash_and_never_vanish(question_type, seed, operations):
    raw = _mutate(seed, operations)
    received = email_receive(raw)
    assert received.outcome in set(InboundOutcome)
    # Never a silent drop: the message is on record (new, or recorded earlier under the same Message-ID).
    inbound = InboundEmail.objects.filter(message_id=message_id_of(raw)).first()
    assert inbound is not None
    if received.outcome == InboundOutcome.QUARANTINED:
        assert inbound.raw.read() == raw
    if received.outcome in {InboundOutcome.NEW_TICKET, InboundOutcome.REPLY}:
        assert received.ticket is not None and received.ticket.answers[0]["value"].strip()


HEADER_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"<>", b"<not-an-email>", b"a@b.", b'"x" <y@z.fr>', b"=?utf-8?q?=22a=22_=3Cb=40c=3E?= <d@e.fr>"]),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sender=HEADER_BYTES, subject=HEADER_BYTES, body=st.binary(max_size=500))
def test_any_sender_subject_and_body_bytes_give_a_ticket_or_a_quarantine(question_type, sender, subject, body):
    def one_line(value: bytes) -> bytes:
        return value.replace(b"\r", b" ").replace(b"\n", b" ")

    raw = b"From: " + one_line(sender) + b"\r\nSubject: " + one_line(subject) + b"\r\n\r\n" + body
    received = email_receive(raw)
    assert InboundEmail.objects.filter(message_id=message_id_of(raw)).exists()
    if received.outcome == InboundOutcome.NEW_TICKET:
        citizen = received.ticket.citizen
        assert citizen.email and len(citizen.first_name) <= 100 and len(citizen.last_name) <= 100
