from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.operations.files import storage_at, storage_copy


class Command(BaseCommand):
    help = (
        "Copie tous les fichiers d'un stockage vers un autre (disque → S3, sauvegarde ou restauration d'un bucket), "
        "sous les mêmes noms ; les fichiers déjà présents sont laissés. Sans --from ou --to : le stockage configuré."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", default="", help="file:///dossier ou s3://…/bucket")
        parser.add_argument("--to", dest="target", default="", help="file:///dossier ou s3://…/bucket")

    def handle(self, *args, source: str, target: str, **options) -> None:
        if not source and not target:
            raise CommandError(
                "Indiquez --from, --to ou les deux (sinon le stockage configuré est copié sur lui-même)."
            )
        try:
            report = storage_copy(source=storage_at(source), target=storage_at(target))
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{report.copied} fichier(s) copié(s), {report.skipped} déjà présent(s).")
