"""The recovery sweep: whatever process died, and when, every queued piece of work is finished or failed.

Run by every ``guichet_worker`` at start and every GUICHET_SWEEP_INTERVAL_SECONDS, and by the cron command
``requeue_stuck_notifications``. One sweep at a time (a PostgreSQL advisory lock, SQLite's exclusive
transaction); every change is a compare-and-set on the row's state as it was read, so a sweep that raced a
worker changes nothing. The rules, and why they are safe, are in docs/SECURITY.md ("Recovery guarantees").
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from guichet.notifications import registry
from guichet.notifications.delivery import deliver_notification, notification_event
from guichet.notifications.models import DeliveryStatus, Notification, WorkerHeartbeat
from guichet.notifications.services import alert_service_agents
from guichet.tickets.models import EventKind

logger = logging.getLogger(__name__)

# Tasks that may simply run again after a failure: they create nothing twice (idempotency keys). The apps
# above add theirs (``registry.register_rerunnable_task``).
RERUNNABLE_AFTER_FAILURE = frozenset(
    {alert_service_agents.module_path, "guichet.notifications.tasks.alert_service_agents"}
)
# Rows queued before the tasks moved beside their code still name them by their former path.
DELIVERY_TASK_PATHS = (deliver_notification.module_path, "guichet.notifications.tasks.deliver_notification")
ADVISORY_LOCK_KEY = 0x6775_6963  # "guic": one sweep at a time across all workers (PostgreSQL)
INTERRUPTED = "Envoi interrompu : le worker s’est arrêté pendant l’envoi."
FORGOTTEN_HEARTBEATS_AFTER = datetime.timedelta(days=7)


class WorkerLost(Exception):
    """Recorded as the error of a task whose workers kept dying while running it."""


@dataclass
class SweepReport:
    tasks_requeued: int = 0
    tasks_failed: int = 0
    notifications_requeued: int = 0
    notifications_failed: int = 0
    skipped: bool = False  # another sweep held the lock

    @property
    def total(self) -> int:
        return self.tasks_requeued + self.tasks_failed + self.notifications_requeued + self.notifications_failed


def recovery_sweep(*, now: datetime.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    with exclusive_transaction():
        if not _sweep_lock():
            report.skipped = True
            return report
        # Notifications are read before tasks: a task seen finished was finished after its notification was read,
        # and the compare-and-set below then finds the notification changed.
        notifications = list(
            Notification.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).values(
                "pk", "status", "attempts", "last_attempt_at", "next_attempt_at"
            )
        )
        _recover_tasks(now, report)
        _recover_notifications(notifications, now, report)
        WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGOTTEN_HEARTBEATS_AFTER).delete()
    if report.total:
        logger.warning("Recovery sweep: %s", report)
    return report


def _sweep_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: the exclusive transaction already lets one writer in
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def live_worker_ids(now: datetime.datetime) -> set[str]:
    alive_since = now - datetime.timedelta(seconds=settings.GUICHET_WORKER_DEAD_AFTER_SECONDS)
    return set(
        WorkerHeartbeat.objects.filter(stopped_at__isnull=True, seen_at__gte=alive_since).values_list(
            "worker_id", flat=True
        )
    )


def _is_abandoned(task: DBTaskResult, *, live: set[str], known: set[str], now: datetime.datetime) -> bool:
    """Is this RUNNING task left by a dead worker? A live worker's task is never touched, however long it runs."""
    worker_id = task.worker_ids[-1] if task.worker_ids else ""
    if worker_id in live:
        return False
    if worker_id in known:
        return True  # a guichet_worker that stopped, or went silent: it is not running anything
    # A worker that records no heartbeat (plain db_worker): it has the task for the lease.
    return task.started_at is None or task.started_at < now - datetime.timedelta(
        seconds=settings.GUICHET_TASK_LEASE_SECONDS
    )


def _recover_tasks(now: datetime.datetime, report: SweepReport) -> None:
    live = live_worker_ids(now)
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("pk", "worker_ids", "started_at")
    for task in running:
        if _is_abandoned(task, live=live, known=known, now=now):
            _retry_or_fail(task, expected_status=TaskResultStatus.RUNNING, report=report)
    failed_rerunnable = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, task_path__in=RERUNNABLE_AFTER_FAILURE | registry.rerunnable_task_paths()
    ).only("pk", "worker_ids", "started_at", "exception_class_path")
    for task in failed_rerunnable:
        if len(task.worker_ids) < settings.GUICHET_TASK_MAX_RUNS:
            _retry_or_fail(task, expected_status=TaskResultStatus.FAILED, report=report)


def tasks_release_previous_life(*, worker_id: str) -> int:
    """A worker starting under an id that was used before: what that id left RUNNING died with the old process."""
    report = SweepReport()
    with exclusive_transaction():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("pk", "worker_ids", "started_at")
        for task in running:
            if task.worker_ids and task.worker_ids[-1] == worker_id:
                _retry_or_fail(task, expected_status=TaskResultStatus.RUNNING, report=report)
    return report.tasks_requeued + report.tasks_failed


def _retry_or_fail(task: DBTaskResult, *, expected_status: str, report: SweepReport) -> None:
    # Compare-and-set on the claim: a worker that claimed the row again since changed started_at.
    same_run = DBTaskResult.objects.filter(pk=task.pk, status=expected_status, started_at=task.started_at)
    if len(task.worker_ids) < settings.GUICHET_TASK_MAX_RUNS:
        changed = same_run.update(
            status=TaskResultStatus.READY, finished_at=None, exception_class_path="", traceback=""
        )
        report.tasks_requeued += changed
    elif expected_status == TaskResultStatus.RUNNING:
        changed = same_run.update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"The workers running this task stopped {len(task.worker_ids)} times: {task.worker_ids}",
        )
        report.tasks_failed += changed
        if changed:
            logger.error("Task %s failed: its workers died %s times", task.pk, len(task.worker_ids))


def _queued_notification_ids() -> tuple[set[int], set[int]]:
    """Notifications that a delivery task will still handle: (ready to run, running on a live worker)."""
    ready: set[int] = set()
    running: set[int] = set()
    rows = DBTaskResult.objects.filter(
        task_path__in=[*DELIVERY_TASK_PATHS, *registry.delivering_task_paths()],
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("task_path", "status", "args_kwargs")
    for task_path, status, args_kwargs in rows:
        if task_path in DELIVERY_TASK_PATHS:
            ids = ((args_kwargs or {}).get("args") or [None])[:1]
        else:  # a task that delivers the notifications its ``deliver`` argument lists (a new ticket's)
            ids = ((args_kwargs or {}).get("kwargs") or {}).get("deliver") or []
        (ready if status == TaskResultStatus.READY else running).update(i for i in ids if isinstance(i, int))
    return ready, running


def _recover_notifications(
    notifications: Iterable[Mapping[str, Any]], now: datetime.datetime, report: SweepReport
) -> None:
    ready, running = _queued_notification_ids()
    claim_silent_since = now - datetime.timedelta(seconds=settings.GUICHET_WORKER_DEAD_AFTER_SECONDS)
    for row in notifications:
        if row["pk"] in running:
            continue  # a live worker is on it
        if row["status"] == DeliveryStatus.PENDING:
            if row["pk"] not in ready:
                # Its task is gone (failed on an error outside the delivery's own handling): count the attempt.
                _requeue(row, attempts=row["attempts"] + 1, has_task=False, now=now, report=report)
        elif row["last_attempt_at"] is None or row["last_attempt_at"] < claim_silent_since:
            # Claimed, and no task runs it any more: the worker died during the send, which may have happened.
            _requeue(row, attempts=row["attempts"], has_task=row["pk"] in ready, now=now, report=report)


def _requeue(
    row: Mapping[str, Any], *, attempts: int, has_task: bool, now: datetime.datetime, report: SweepReport
) -> None:
    same_state = Notification.objects.filter(pk=row["pk"], status=row["status"], attempts=row["attempts"])
    if attempts >= settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS:
        if same_state.update(
            status=DeliveryStatus.FAILED, attempts=attempts, last_error=INTERRUPTED, next_attempt_at=None
        ):
            notification_event(Notification.objects.get(pk=row["pk"]), EventKind.NOTIFICATION_FAILED, error=INTERRUPTED)
            report.notifications_failed += 1
        return
    if not same_state.update(status=DeliveryStatus.PENDING, attempts=attempts):
        return
    if not has_task:
        run_after = row["next_attempt_at"] if row["next_attempt_at"] and row["next_attempt_at"] > now else None
        deliver_notification.using(run_after=run_after).enqueue(row["pk"])
    report.notifications_requeued += 1
