from typing import Any

from django.core.management.base import BaseCommand

from guichet.notifications.sweep import recovery_sweep


class Command(BaseCommand):
    help = (
        "Reprise après incident : remet en file les tâches et notifications laissées par un worker arrêté "
        "brutalement (cron, toutes les 5 min ; chaque guichet_worker le fait aussi)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = recovery_sweep()
        if options["verbosity"] == 0:
            return
        if report.skipped:
            self.stdout.write("Une autre reprise est en cours : rien à faire.")
            return
        self.stdout.write(
            f"{report.tasks_requeued} tâche(s) et {report.notifications_requeued} notification(s) remise(s) en file, "
            f"{report.tasks_failed} tâche(s) et {report.notifications_failed} notification(s) passée(s) en échec."
        )
