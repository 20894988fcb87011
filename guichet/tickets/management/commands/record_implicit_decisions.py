from typing import Any

from django.core.management.base import BaseCommand

from guichet.tickets.implicit import implicit_decisions_run


class Command(BaseCommand):
    help = (
        "Prévient les agents des décisions implicites proches et enregistre celles qui sont acquises "
        "(silence vaut acceptation ou rejet) : cron, une fois par jour, peu après minuit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = implicit_decisions_run()
        self.stdout.write(f"{run.decided} décision(s) implicite(s) enregistrée(s), {run.warned} alerte(s) aux agents.")
