from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.retention.job import apply_retention


class Command(BaseCommand):
    help = (
        "Efface les données personnelles des demandes dont la durée de conservation est échue (une demande par "
        "transaction, par lots, reprend où il s'était arrêté) ; --dry-run dit ce qui serait fait sans rien changer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien changer.")
        parser.add_argument("--batch", type=int, default=500, help="Demandes lues par lot (500).")
        parser.add_argument("--limit", type=int, default=None, help="Au plus N demandes pour ce passage.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1 or (options["limit"] is not None and options["limit"] < 1):
            raise CommandError("--batch et --limit doivent être des entiers positifs.")
        progress = self.stdout.write if options["verbosity"] > 1 else None
        report = apply_retention(
            dry_run=options["dry_run"], batch=options["batch"], limit=options["limit"], progress=progress
        )
        if options["dry_run"]:
            self.stdout.write("Simulation : rien n'a été modifié.")
        for line in report.lines():
            self.stdout.write(line)
