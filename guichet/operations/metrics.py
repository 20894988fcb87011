"""Prometheus metrics: HTTP requests counted by the web processes, the rest read from the database at scrape time.

Several gunicorn workers each count their own requests: with PROMETHEUS_MULTIPROC_DIR set in their environment
(before they start; deploy/guichet-web.service does it), prometheus_client keeps each process's counters in that
folder and a scrape adds them up. Without it (runserver, one process) the counters live in the process.
Tasks, notifications and workers are the database's figures, the same whichever process answers.
"""

import os
from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from guichet.notifications.models import DeliveryStatus, Notification, WorkerHeartbeat

# A closed list of labels: a client inventing methods cannot grow the series without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
TASK_STATUSES = ("READY", "RUNNING", "SUCCESSFUL", "FAILED")

http_requests = Counter(
    "guichet_http_requests", "HTTP requests answered, by method and status code", ["method", "status"]
)


def request_counted(*, method: str, status: int) -> None:
    http_requests.labels(method=method if method in METHODS else "other", status=str(status)).inc()


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes: a few aggregate queries on indexed columns."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        tasks = GaugeMetricFamily("guichet_tasks", "Tasks in the database queue, by status", labels=["status"])
        by_status = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in TASK_STATUSES:
            tasks.add_metric([status.lower()], by_status.get(status, 0))
        yield tasks

        oldest = DBTaskResult.objects.filter(status="READY", run_after__lte=now).aggregate(at=Min("enqueued_at"))["at"]
        yield GaugeMetricFamily(
            "guichet_tasks_oldest_ready_age_seconds",
            "Age of the oldest task that could run and waits (0: none waiting)",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

        notifications = GaugeMetricFamily("guichet_notifications", "Notifications by status", labels=["status"])
        counted = dict(Notification.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in DeliveryStatus:
            notifications.add_metric([status.value], counted.get(status.value, 0))
        yield notifications

        beats = list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True).values_list("seen_at", flat=True))
        yield GaugeMetricFamily(
            "guichet_workers_last_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of a running task worker (-1: none running)",
            value=(now - max(beats)).total_seconds() if beats else -1,
        )
        yield GaugeMetricFamily("guichet_workers_not_stopped", "Task workers not stopped cleanly", value=len(beats))


def metrics_exposition() -> bytes:
    """The text exposition format: this process's or every web process's counters, then the database's figures."""
    multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiprocess_dir:
        counters = CollectorRegistry()
        MultiProcessCollector(counters, path=multiprocess_dir)
    else:
        counters = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return generate_latest(counters) + generate_latest(database)
