import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from guichet.notifications.heartbeat import Heartbeat


class Command(DbWorkerCommand):
    help = (
        "Worker des tâches (db_worker de django-tasks-db, mêmes options) qui signale qu'il est en vie et lance "
        "la reprise après incident au démarrage puis à intervalle régulier : à utiliser en production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reload"] and not options["batch"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The autoreloader's parent only watches files; the child it starts runs tasks, and beats.
            super().handle(*args, **options)
            return
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
