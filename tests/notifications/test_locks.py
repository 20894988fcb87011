"""``job_lock``: one holder at a time across connections (threads here; processes in
tests/integration/test_two_nodes.py), released at the end of the block, and a lapsed lease taken over."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from guichet.notifications.locks import advisory_key, job_lock, lease_lock
from guichet.notifications.models import JobLease

pytestmark = pytest.mark.django_db(transaction=True)


def held_elsewhere(lock, name: str) -> bool:
    """Whether another connection (a thread has its own) gets the lock while this one holds it."""
    result: list[bool] = []

    def other() -> None:
        try:
            with lock(name) as held:
                result.append(held)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    return result[0]


@pytest.mark.parametrize("lock", [job_lock, lease_lock], ids=["job_lock", "lease_lock"])
def test_a_held_lock_is_refused_elsewhere_and_free_again_after_the_block(lock):
    with lock("digests") as held:
        assert held
        assert not held_elsewhere(lock, "digests")
        assert held_elsewhere(lock, "another-job")
    assert held_elsewhere(lock, "digests")
    assert not JobLease.objects.exists()


@pytest.mark.parametrize("lock", [job_lock, lease_lock], ids=["job_lock", "lease_lock"])
def test_the_lock_is_released_when_the_job_raises(lock):
    with pytest.raises(RuntimeError), lock("scans") as held:
        assert held
        raise RuntimeError("the job failed")
    assert held_elsewhere(lock, "scans")


def test_a_lapsed_lease_of_a_killed_process_is_taken_over():
    JobLease.objects.create(name="scans", holder="dead-node:42:abc", expires_at=timezone.now())
    with lease_lock("scans") as held:
        assert held
        assert JobLease.objects.get(name="scans").holder != "dead-node:42:abc"
    JobLease.objects.create(
        name="scans", holder="live-node:43:def", expires_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    with lease_lock("scans") as held:
        assert not held
    assert JobLease.objects.get(name="scans").holder == "live-node:43:def"  # not released by who did not hold it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_postgresql_holds_an_advisory_lock_and_no_lease_row():
    with job_lock("scans") as held:
        assert held
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 1
        assert not JobLease.objects.exists()
    assert advisory_key("scans") == advisory_key("scans") != advisory_key("digests")
