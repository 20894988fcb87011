"""Daily jobs: each registered task (``registry.register_daily_task``) is queued once per local day.

Every ``guichet_worker`` checks at each heartbeat; the task row of the day is the record that it was queued,
so a restart, or several workers, never queue it twice (one check at a time: a PostgreSQL advisory lock,
SQLite's exclusive transaction). The worker then runs it like any task.
"""

import datetime
import logging

from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from guichet.notifications import registry

logger = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 0x6775_6964  # "guid": one check of the daily jobs at a time


def daily_tasks_enqueue(*, now: datetime.datetime | None = None) -> list[str]:
    """Queue each daily task not queued yet today; returns the paths queued."""
    tasks = registry.daily_tasks()
    if not tasks:
        return []
    now = now or timezone.now()
    start_of_day = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time()))
    queued = []
    with exclusive_transaction():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        done = set(
            DBTaskResult.objects.filter(
                task_path__in=[task.module_path for task in tasks], enqueued_at__gte=start_of_day
            ).values_list("task_path", flat=True)
        )
        for task in tasks:
            if task.module_path not in done:
                task.enqueue()
                queued.append(task.module_path)
                logger.info("Daily task %s queued", task.module_path)
    return queued
