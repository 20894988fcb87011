import contextlib
import os
import signal
import sys
from types import FrameType
from typing import Any

from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from guichet.notifications.heartbeat import Heartbeat


def _exit_while_starting(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)  # nothing is running yet: stop at once, through the `finally` that records the stop


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
        # Until db_worker installs its own graceful handlers.
        signal.signal(signal.SIGTERM, _exit_while_starting)
        signal.signal(signal.SIGINT, _exit_while_starting)
        try:
            heartbeat.start()
            super().handle(*args, **options)
        finally:
            # A signal may have stopped the loop inside a database call (SQLite: between BEGIN and Django knowing it)
            # or inside atomic()'s own exit, leaving a connection that believes it is still in a transaction, a
            # closed one (every query then fails: "the connection is closed", and the worker exited with 1).
            # Close them all (the server rolls back what was open) and record the stop on new ones.
            for stale in connections.all(initialized_only=True):
                with contextlib.suppress(DatabaseError):  # a connection already broken is dropped all the same
                    stale.close()
                connections[stale.alias] = connections.create_connection(stale.alias)
            heartbeat.stop()
