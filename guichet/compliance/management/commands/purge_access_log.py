from django.core.management.base import BaseCommand, CommandParser

from guichet.compliance.access_log import access_log_purge, purge_access_log


class Command(BaseCommand):
    help = (
        "Supprime les entrées du journal des accès aux données personnelles plus anciennes que "
        "GUICHET_ACCESS_LOG_DAYS (cron, une fois par jour ; --file : par le worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", action="store_true", help="Confier la purge au worker (file de tâches).")

    def handle(self, *args, file: bool = False, **options) -> None:
        if file:
            purge_access_log.enqueue()
            self.stdout.write("Purge du journal des accès confiée au worker.")
            return
        purged = access_log_purge()
        self.stdout.write(f"{purged} entrée(s) du journal des accès supprimée(s).")
