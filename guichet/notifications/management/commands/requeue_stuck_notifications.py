from typing import Any

from django.core.management.base import BaseCommand

from guichet.notifications.recovery import notifications_requeue_stuck


class Command(BaseCommand):
    help = "Renvoie les notifications restées « en cours d'envoi » après l'arrêt brutal d'un worker (cron, toutes les 5 min)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{notifications_requeue_stuck()} notification(s) remise(s) en file d'envoi.")
