from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guichet.mailroom.importer import FAILED, IMPORTED, KNOWN, FileOutcome, import_scans

LINES = {
    IMPORTED: "importé : {name}",
    KNOWN: "déjà reçu, rangé dans done/ : {name}",
    FAILED: "refusé : {name} — {reason}",
    "waiting": "en attente (peut-être en cours d'écriture), au prochain passage : {name}",
}


class Command(BaseCommand):
    help = "Importe les scans d'un dossier (PDF, TIFF, JPEG, PNG) dans le service courrier ; à lancer par cron."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--min-age",
            type=float,
            default=30.0,
            help="Ignorer les fichiers modifiés depuis moins de N secondes (scan en cours d'écriture).",
        )

    def handle(self, *args, directory: Path, min_age: float, **options) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} n'est pas un dossier.")
        report = import_scans(directory, min_age_seconds=min_age, on_file=self._print)
        if report.locked:
            self.stdout.write("Un autre import de ce dossier est en cours : rien à faire.")
            return
        self.stdout.write(
            f"Terminé : {len(report.imported)} importé(s), {len(report.known)} déjà reçu(s), "
            f"{len(report.failed)} refusé(s), {len(report.waiting)} en attente."
        )

    def _print(self, outcome: FileOutcome) -> None:
        # One line per file as soon as it is done, so a long batch shows its progress (and cron's log
        # keeps what was done before a crash).
        self.stdout.write(LINES[outcome.status].format(name=outcome.name, reason=outcome.reason))
        self.stdout.flush()
