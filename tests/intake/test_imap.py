"""fetch_mail against a real IMAP server: Debian's Dovecot, started by the test on a free loopback port."""

import shutil
import socket
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from guichet.intake.channels.imap import imap_fetch
from guichet.intake.models import InboundOutcome
from guichet.tickets.models import Ticket
from tests import factories
from tests.conftest import free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("dovecot") is None, reason="dovecot-imapd is not installed (make deps)"),
]
USER, PASSWORD = "mairie@example.test", "s3cret-pass"

CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

PDF = (  # one real page: the upload checks open PDFs
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def imap_server(tmp_path_factory, settings):
    # Dovecot's auth process runs as "dovecot" and mail processes as nobody: the directories must allow it.
    d = Path(tmp_path_factory.mktemp("dovecot", numbered=True))
    for folder in (d, *d.parents):
        if str(folder) in {"/", "/tmp"}:
            break
        folder.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (d / sub).mkdir()
    shutil.chown(d / "mail", "nobody", "nogroup")
    (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    conf = d / "dovecot.conf"
    conf.write_text(CONFIG.format(d=d, port=port))
    process = subprocess.Popen(["dovecot", "-F", "-c", str(conf)], stderr=subprocess.PIPE)
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    # The port opens before the auth process is ready; on a busy machine the first logins fail for a while.
    for _ in range(100):
        try:
            with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=5) as client:
                client.login(USER, PASSWORD)
            break
        except (LoginError, OSError):
            time.sleep(0.1)
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SSL = "127.0.0.1", port, False
    settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER = USER, PASSWORD, "INBOX"
    yield port
    process.terminate()
    process.wait(timeout=10)


def deliver(port: int, message: EmailMessage) -> None:
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.append("INBOX", message.as_bytes())


def unseen(port: int) -> list[int]:
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder("INBOX")
        return client.search(["UNSEEN"])


def letter(subject: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Hélène Lefèvre <helene.lefevre@example.org>"
    message["To"] = "mairie@example.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content("Bonjour, un lampadaire est éteint rue des Écoles.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="plan annoté.pdf")
    return message


@pytest.fixture
def question_type(service, commune, settings):
    settings.EMAIL_DEFAULT_REQUEST_TYPE = "question-mairie"
    return factories.RequestTypeFactory(slug="question-mairie", name="Poser une question", service=service)


def test_fetch_mail_turns_unseen_messages_into_tickets_and_marks_them_seen(imap_server, question_type):
    deliver(imap_server, letter("Éclairage en panne — rue des Écoles", "<imap-1@client.example>"))
    deliver(imap_server, letter("Deuxième message", "<imap-2@client.example>"))
    results = imap_fetch()
    assert [r.outcome for r in results] == [InboundOutcome.NEW_TICKET, InboundOutcome.NEW_TICKET]
    subjects = sorted(Ticket.objects.values_list("subject", flat=True))
    assert subjects == ["Deuxième message", "Éclairage en panne — rue des Écoles"]
    assert Ticket.objects.get(subject__startswith="Éclairage").attachments.get().original_name == "plan annoté.pdf"
    assert unseen(imap_server) == []
    assert imap_fetch() == []  # nothing new


def test_a_message_that_fails_stays_unseen_and_is_handled_next_time(imap_server, question_type, monkeypatch):
    deliver(imap_server, letter("Question", "<imap-3@client.example>"))
    import guichet.intake.channels.imap as imap_module

    def broken(raw):
        raise RuntimeError("database down")

    monkeypatch.setattr(imap_module, "email_receive", broken)
    assert imap_fetch() == []
    assert len(unseen(imap_server)) == 1
    monkeypatch.undo()
    assert [r.outcome for r in imap_fetch()] == [InboundOutcome.NEW_TICKET]
    assert unseen(imap_server) == []


def test_fetch_mail_command_reports_what_it_did(imap_server, question_type):
    from io import StringIO

    deliver(imap_server, letter("Question", "<imap-4@client.example>"))
    out = StringIO()
    call_command("fetch_mail", stdout=out)
    assert "new_ticket : 1" in out.getvalue()


def mark(port: int, flag: bytes, *, add: bool) -> None:
    """Another mail client (a person reading the shared mailbox) changes the flags."""
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.select_folder("INBOX")
        uids = client.search(["ALL"])
        (client.add_flags if add else client.remove_flags)(uids, [flag])


def test_messages_read_by_a_person_before_the_poll_are_still_imported(imap_server, question_type):
    deliver(imap_server, letter("Lu par l'accueil", "<imap-seen-1@client.example>"))
    deliver(imap_server, letter("Lu aussi", "<imap-seen-2@client.example>"))
    mark(imap_server, b"\\Seen", add=True)
    assert unseen(imap_server) == []
    results = imap_fetch()
    assert [r.outcome for r in results] == [InboundOutcome.NEW_TICKET, InboundOutcome.NEW_TICKET]
    assert Ticket.objects.count() == 2


def test_a_message_marked_unread_again_is_never_imported_twice(imap_server, question_type):
    from guichet.intake.models import InboundEmail, MailboxMessage

    deliver(imap_server, letter("Une fois", "<imap-once@client.example>"))
    assert len(imap_fetch()) == 1
    mark(imap_server, b"\\Seen", add=False)  # someone marks it unread again
    assert imap_fetch() == []
    assert Ticket.objects.count() == InboundEmail.objects.count() == MailboxMessage.objects.count() == 1


def test_a_new_uidvalidity_rereads_the_folder_without_duplicates(imap_server, question_type):
    from guichet.intake.models import Mailbox, MailboxMessage

    deliver(imap_server, letter("Avant", "<imap-v1@client.example>"))
    imap_fetch()
    # As if the server had renumbered the folder since: what was recorded belongs to the old numbering.
    Mailbox.objects.update(uid_validity=1)
    MailboxMessage.objects.update(uid_validity=1)
    results = imap_fetch()
    assert [(r.outcome, r.reason) for r in results] == [(InboundOutcome.IGNORED, "déjà reçu")]
    assert Ticket.objects.count() == 1
    assert Mailbox.objects.get().uid_validity != 1


def test_a_failed_message_is_retried_while_later_ones_are_imported_once(imap_server, question_type, monkeypatch):
    import guichet.intake.channels.imap as imap_module
    from guichet.intake.models import Mailbox

    real = imap_module.email_receive

    def down_for_the_first(raw):
        if b"imap-fail-1" in raw:
            raise RuntimeError("database down")
        return real(raw)

    deliver(imap_server, letter("Premier", "<imap-fail-1@client.example>"))
    deliver(imap_server, letter("Second", "<imap-fail-2@client.example>"))
    monkeypatch.setattr(imap_module, "email_receive", down_for_the_first)
    assert [r.outcome for r in imap_fetch()] == [InboundOutcome.NEW_TICKET]
    assert Mailbox.objects.get().handled_through == 0  # the failed UID holds the watermark
    monkeypatch.undo()
    assert [r.outcome for r in imap_fetch()] == [InboundOutcome.NEW_TICKET]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Premier", "Second"]
    assert imap_fetch() == []
    assert Mailbox.objects.get().handled_through == 2


def test_a_message_that_cannot_become_a_ticket_is_quarantined_not_retried_forever(imap_server, question_type):
    from guichet.intake.models import InboundEmail

    broken = EmailMessage()
    broken["From"] = "<not-an-email>"
    broken["Subject"] = "Sans expéditeur"
    broken["Message-ID"] = "<imap-broken@client.example>"
    broken.set_content("Bonjour")
    deliver(imap_server, broken)
    assert [r.outcome for r in imap_fetch()] == [InboundOutcome.QUARANTINED]
    assert imap_fetch() == []
    assert InboundEmail.objects.get().in_quarantine
