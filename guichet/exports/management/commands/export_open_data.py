import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from guichet.exports.open_data import default_period, open_data_write
from guichet.statistics.filters import Period


class Command(BaseCommand):
    help = (
        "Écrit le fichier CSV anonymisé des demandes (open data, schéma dans docs/OPEN_DATA.md) : "
        "par défaut les douze derniers mois complets."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", type=Path, help="Fichier CSV à écrire.")
        parser.add_argument("--debut", type=datetime.date.fromisoformat, help="Premier jour (AAAA-MM-JJ).")
        parser.add_argument("--fin", type=datetime.date.fromisoformat, help="Dernier jour inclus (AAAA-MM-JJ).")

    def handle(self, *args, output: Path, debut: datetime.date | None, fin: datetime.date | None, **options):
        if (debut is None) != (fin is None):
            raise CommandError("Donnez --debut et --fin ensemble, ou aucun des deux.")
        try:
            period = Period(start=debut, end=fin) if debut and fin else default_period(timezone.localdate())
        except ValueError as error:
            raise CommandError("La fin de la période précède son début.") from error
        partial = output.with_name(output.name + ".partiel")
        with partial.open("wb") as target:
            result = open_data_write(target, period=period)
        partial.replace(output)  # never a half-written file under the published name
        self.stdout.write(
            f"{result.rows} demande(s) du {period.start} au {period.end} écrites dans {output} ; "
            f"{result.suppressed} masquée(s) (cellules de moins de la taille minimale)."
        )
