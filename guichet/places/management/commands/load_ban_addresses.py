from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.places.loader import BanFileError, ban_file_load


class Command(BaseCommand):
    help = (
        "Load the BAN addresses file of the département (adresses-XX.csv or .csv.gz from adresse.data.gouv.fr) "
        "into the offline index used when the geocoding API is unavailable. Run again to update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--all-communes",
            action="store_true",
            help="Load every commune of the file, not only GUICHET_BAN_CITYCODES.",
        )

    def handle(self, *args, path: Path, all_communes: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        citycodes = [] if all_communes else settings.GUICHET_BAN_CITYCODES
        try:
            report = ban_file_load(path, citycodes=citycodes)
        except (BanFileError, UnicodeDecodeError, OSError) as problem:
            raise CommandError(f"{path}: {problem}") from None
        self.stdout.write(f"{report.loaded} addresses loaded, {report.skipped} lines skipped")
