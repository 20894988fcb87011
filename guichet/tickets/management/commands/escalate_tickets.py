from typing import Any

from django.core.management.base import BaseCommand

from guichet.tickets.escalation import escalation_run


class Command(BaseCommand):
    help = (
        "Alerte l'agent en charge quand un objectif (première réponse, résolution) est bientôt dépassé, et le "
        "responsable du service quand il l'est. Chaque guichet_worker le fait déjà ; ce cron sert sans worker."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{escalation_run()} étape(s) d'escalade.")
