"""One node at a time: a named lock in the database every node shares, never blocking.

``with job_lock("name") as held:`` — ``held`` is False when another process (on this machine or another) holds
the lock: the job skips this run, the next one will do it. Who runs the job does not matter, only that two never
run it at once (``import_scans`` on a shared folder, the workers' periodic jobs).

* PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) keyed by the name's hash. It is released at the
  end of the block, or by PostgreSQL as soon as the connection ends, so a node killed mid-job never leaves it
  held. It needs a direct connection (or a session-pooling PgBouncer): transaction pooling would lose it.
* SQLite (one machine): a ``JobLease`` row, taken in a transaction and deleted at the end; a process killed in
  the block leaves a lease that lapses after ``lease_seconds``.
"""

import datetime
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from guichet.notifications.models import JobLease

logger = logging.getLogger(__name__)

# SQLite only: how long the lock of a process killed while holding it keeps the others out.
DEFAULT_LEASE_SECONDS = 15 * 60


def advisory_key(name: str) -> int:
    """A signed 64-bit key, the type of ``pg_try_advisory_lock(bigint)``, the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str, *, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> Iterator[bool]:
    """Hold the lock ``name`` for the block if nobody else does; yields whether this process holds it."""
    if connection.vendor == "postgresql":
        with _advisory_lock(name) as held:
            yield held
    else:
        with lease_lock(name, lease_seconds=lease_seconds) as held:
            yield held


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    key = advisory_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = bool(cursor.fetchone()[0])
    if not held:
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:  # the connection is gone, and the lock with it
            logger.warning("Lock %s: could not unlock, the connection was lost (PostgreSQL released it)", name)


@contextmanager
def lease_lock(name: str, *, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> Iterator[bool]:
    """The portable lock: a unique row with an expiry (any database; ``job_lock`` uses it where there is no
    advisory lock)."""
    holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    now = timezone.now()
    expires_at = now + datetime.timedelta(seconds=lease_seconds)
    with transaction.atomic():
        taken = JobLease.objects.filter(name=name, expires_at__lte=now).update(holder=holder, expires_at=expires_at)
        if not taken:
            _lease, taken = JobLease.objects.get_or_create(
                name=name, defaults={"holder": holder, "expires_at": expires_at}
            )
    if not taken:
        yield False
        return
    try:
        yield True
    finally:
        try:
            JobLease.objects.filter(name=name, holder=holder).delete()
        except DatabaseError:
            logger.warning("Lock %s: could not release the lease, it lapses at %s", name, expires_at)
