"""A worker's heartbeat, and the recovery sweep on a schedule, in a thread beside django-tasks-db's worker loop.

The thread shares the process's fate: a worker killed with SIGKILL stops beating at once, and after
GUICHET_WORKER_DEAD_AFTER_SECONDS the sweep of any other worker (or the cron) puts its tasks back in the queue.
It beats even while a long task runs, so a live worker's task is never taken from it.
"""

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from guichet.notifications import registry
from guichet.notifications.daily import daily_tasks_enqueue
from guichet.notifications.locks import job_lock
from guichet.notifications.models import WorkerHeartbeat
from guichet.notifications.sweep import recovery_sweep, tasks_release_previous_life

logger = logging.getLogger(__name__)


def worker_heartbeat_beat(*, worker_id: str) -> None:
    """Record that this worker is alive (a row per worker id; a worker taken for dead that comes back says so)."""
    now = timezone.now()
    previous = WorkerHeartbeat.objects.filter(worker_id=worker_id).values_list("seen_at", flat=True).first()
    if previous is None:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(), started_at=now, seen_at=now
        )
        return
    if now - previous > datetime.timedelta(seconds=settings.GUICHET_WORKER_DEAD_AFTER_SECONDS):
        logger.warning(
            "Worker %s was silent for %s: its running task may have been queued again", worker_id, now - previous
        )
    # A beat that was late (its thread stuck on a lock) never revives a worker that has stopped since.
    WorkerHeartbeat.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(seen_at=now)


def worker_heartbeat_start(*, worker_id: str) -> None:
    """A worker starts: nothing can be running under its id yet (a fixed --worker-id reused after a crash)."""
    tasks_release_previous_life(worker_id=worker_id)
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
            "stopped_at": None,
        },
    )


def worker_heartbeat_stop(*, worker_id: str) -> None:
    """A clean stop: nothing of this worker is left running (django-tasks-db finishes the task on SIGTERM)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(stopped_at=timezone.now())


PERIODIC_JOBS_LOCK = "guichet:periodic-jobs"


def run_periodic_jobs() -> bool:
    """The jobs the apps above registered (``registry.register_periodic_job``), each on its own: one failing
    never stops the others. One worker at a time, whatever its node (``locks.job_lock``): a worker that finds
    them running elsewhere skips this round. Returns whether this worker ran them."""
    with job_lock(PERIODIC_JOBS_LOCK, lease_seconds=settings.GUICHET_SWEEP_INTERVAL_SECONDS) as held:
        if not held:
            logger.info("Periodic jobs are running on another worker: skipped")
            return False
        for name, job in registry.periodic_jobs().items():
            try:
                job()
            except Exception:
                logger.exception("Periodic job %s failed", name)
    return True


class Heartbeat:
    """Beat every GUICHET_WORKER_HEARTBEAT_SECONDS; sweep and run the periodic jobs (escalation) at start and
    every GUICHET_SWEEP_INTERVAL_SECONDS; queue the daily tasks not queued yet today (``daily.py``)."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id[:12]}", daemon=True)
        self._daily_done_on: datetime.date | None = None

    def _daily(self) -> None:
        """The daily tasks, checked once per local day by this worker (the check itself takes a lock)."""
        today = timezone.localdate()
        if self._daily_done_on != today:
            daily_tasks_enqueue()
            self._daily_done_on = today

    def start(self) -> None:
        worker_heartbeat_start(worker_id=self.worker_id)
        recovery_sweep()  # before the first task: what a previous crash left is queued first
        run_periodic_jobs()
        self._daily()
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=settings.GUICHET_WORKER_HEARTBEAT_SECONDS + 5)
        worker_heartbeat_stop(worker_id=self.worker_id)

    def _run(self) -> None:
        next_sweep = time.monotonic() + settings.GUICHET_SWEEP_INTERVAL_SECONDS
        try:
            while not self._stopping.wait(settings.GUICHET_WORKER_HEARTBEAT_SECONDS):
                close_old_connections()
                try:
                    worker_heartbeat_beat(worker_id=self.worker_id)
                    self._daily()
                    if time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + settings.GUICHET_SWEEP_INTERVAL_SECONDS
                        recovery_sweep()
                        run_periodic_jobs()
                except Exception:  # the database may be away for a while: keep beating once it is back
                    logger.exception("Worker %s: heartbeat or recovery sweep failed", self.worker_id)
        finally:
            connection.close()
