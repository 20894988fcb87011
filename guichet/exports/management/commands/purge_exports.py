from django.core.management.base import BaseCommand

from guichet.exports.services import exports_purge_expired


class Command(BaseCommand):
    help = "Supprime les fichiers d'export dont la durée de conservation est passée (à lancer chaque heure)."

    def handle(self, *args, **options) -> None:
        purged = exports_purge_expired()
        self.stdout.write(f"{purged} export(s) supprimé(s).")
