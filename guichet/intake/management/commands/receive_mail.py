import sys
from typing import Any

from django.core.management.base import BaseCommand

from guichet.intake.channels.email import email_receive


class Command(BaseCommand):
    help = "Reçoit un courriel brut sur l'entrée standard (tuyau du serveur de messagerie) et le range."

    def handle(self, *args: Any, **options: Any) -> None:
        received = email_receive(sys.stdin.buffer.read())
        reference = received.ticket.reference_display if received.ticket else "—"
        self.stdout.write(f"{received.outcome} {reference} {received.reason}".strip())
