from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guichet.mailroom.importer import import_scans


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
        report = import_scans(directory, min_age_seconds=min_age)
        if report.locked:
            self.stdout.write("Un autre import de ce dossier est en cours : rien à faire.")
            return
        for name in report.imported:
            self.stdout.write(f"importé : {name}")
        for name in report.known:
            self.stdout.write(f"déjà reçu : {name}")
        for name, reason in report.failed:
            self.stdout.write(f"refusé : {name} — {reason}")
        if options["verbosity"] > 1:
            for name in report.waiting:
                self.stdout.write(f"en cours d'écriture, au prochain passage : {name}")
