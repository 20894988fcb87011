import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guichet.tickets.facts import counts_rebuild, facts_rebuild, facts_recount_working_days
from guichet.tickets.models import TicketFacts


class Command(BaseCommand):
    help = (
        "Reconstruit les chiffres des demandes pour les statistiques à partir de leur historique "
        "(par lots de 5 000, sans verrouiller les demandes) ; --jours-ouvres recompte seulement les jours ouvrés "
        "sur le calendrier actuel de la commune ; --compteurs reconstruit seulement les comptes par jour."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jours-ouvres", action="store_true", dest="working_days", help="Recompter les jours ouvrés seulement."
        )
        parser.add_argument(
            "--compteurs", action="store_true", dest="counts", help="Reconstruire les comptes par jour seulement."
        )

    def handle(self, *args: Any, working_days: bool, counts: bool, **options: Any) -> None:
        started = time.monotonic()
        if counts:
            rows = counts_rebuild(TicketFacts)
            self.stdout.write(f"{rows} comptes reconstruits en {time.monotonic() - started:.1f} s.")
            return
        if working_days:
            groups = facts_recount_working_days(TicketFacts)
            self.stdout.write(f"{groups} groupes recomptés en {time.monotonic() - started:.1f} s.")
            return
        count = facts_rebuild(TicketFacts)
        self.stdout.write(f"{count} demandes reconstruites en {time.monotonic() - started:.1f} s.")
