"""What /sante/ checks: the database, the shared cache, the file storage and the task workers' heartbeat.

Each probe is cheap (one query, one cache round trip, a few bytes written and deleted) and says only whether it
works and how long it took; the reason of a failure goes to the log, never to the anonymous caller.
"""

import datetime
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from guichet.notifications.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass
class Probe:
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 gave another answer")
    return {}


def _cache() -> dict[str, Any]:
    key, value = f"sante:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not give back what was just stored")
    finally:
        cache.delete(key)
    return {}


def _storage() -> dict[str, Any]:
    content = uuid.uuid4().bytes
    name = default_storage.save(f"sante/{uuid.uuid4().hex}.bin", ContentFile(content))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != content:
                raise RuntimeError("the storage did not give back what was just written")
    finally:
        default_storage.delete(name)
    return {}


def worker_max_age() -> int:
    return settings.GUICHET_HEALTH_WORKER_MAX_AGE_SECONDS or settings.GUICHET_WORKER_DEAD_AFTER_SECONDS


def _workers() -> dict[str, Any]:
    """The newest heartbeat of the workers not stopped cleanly; none, or too old, and tasks are not being run."""
    max_age = worker_max_age()
    seen = list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True).values_list("seen_at", flat=True))
    now = timezone.now()
    alive = [at for at in seen if now - at <= datetime.timedelta(seconds=max_age)]
    details: dict[str, Any] = {"max_age_seconds": max_age, "running": len(alive)}
    if seen:
        details["last_heartbeat_age_seconds"] = round(max(0.0, (now - max(seen)).total_seconds()), 1)
    if not alive:
        raise _Unhealthy(details)
    return details


class _Unhealthy(Exception):
    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__("no worker has beaten recently")
        self.details = details


PROBES: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "cache": _cache,
    "storage": _storage,
    "workers": _workers,
}


def health_report() -> dict[str, Probe]:
    """Every probe, each run whatever the others gave (the database down does not hide a full disk)."""
    report = {}
    for name, probe in PROBES.items():
        started = time.perf_counter()
        try:
            details = probe()
            ok = True
        except _Unhealthy as exc:
            details, ok = exc.details, False
            logger.error("Health check %s failed: %s (%s)", name, exc, exc.details)
        except Exception as exc:  # any failure of the part is the answer, never a 500
            details, ok = {"error": type(exc).__name__}, False
            logger.exception("Health check %s failed", name)
        details["ms"] = round((time.perf_counter() - started) * 1000, 1)
        report[name] = Probe(ok=ok, details=details)
    return report
