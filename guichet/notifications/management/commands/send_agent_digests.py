from typing import Any

from django.core.management.base import BaseCommand

from guichet.notifications.digests import agent_digests_send


class Command(BaseCommand):
    help = "Envoie le récapitulatif des alertes aux agents qui l'ont choisi (à lancer une fois par jour, par cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = agent_digests_send()
        self.stdout.write(f"{count} récapitulatif(s) programmé(s).")
