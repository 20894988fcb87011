import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand

from guichet.intake.channels.email import email_receive, message_id_of
from guichet.intake.models import InboundEmail

logger = logging.getLogger(__name__)
EX_TEMPFAIL = 75  # sysexits.h: the mail server keeps the message and tries again later


class Command(BaseCommand):
    help = "Reçoit un courriel brut sur l'entrée standard (tuyau du serveur de messagerie) et le range."

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        try:
            received = email_receive(raw)
        except Exception:
            # Exit non-zero only when the message is not stored, so the mail server retries it later.
            if not _stored(raw):
                logger.exception("Inbound email could not be stored; the mail server will retry")
                self.stderr.write("Courriel non enregistré (erreur temporaire) : le serveur de messagerie réessaiera.")
                sys.exit(EX_TEMPFAIL)
            logger.exception("Inbound email stored, then an error occurred")
            self.stdout.write("stored")
            return
        reference = received.ticket.reference_display if received.ticket else "—"
        self.stdout.write(f"{received.outcome} {reference} {received.reason}".strip())


def _stored(raw: bytes) -> bool:
    try:
        return InboundEmail.objects.filter(message_id=message_id_of(raw)).exists()
    except Exception:
        return False
