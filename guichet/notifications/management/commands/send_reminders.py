from typing import Any

from django.core.management.base import BaseCommand

from guichet.notifications.reminders import reminders_send


class Command(BaseCommand):
    help = "Relance les usagers dont la réponse est attendue depuis le délai fixé par la commune (cron, une fois par jour)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{reminders_send()} relance(s) programmée(s).")
