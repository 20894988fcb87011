from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from guichet.intake.channels.imap import imap_fetch


class Command(BaseCommand):
    help = "Relève la boîte de la mairie (IMAP) : nouvelles demandes et réponses des usagers (cron, chaque minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = Counter(received.outcome for received in imap_fetch())
        summary = ", ".join(f"{outcome} : {count}" for outcome, count in sorted(outcomes.items())) or "rien de neuf"
        self.stdout.write(summary)
