"""Real worker processes, killed with SIGKILL at random moments while tickets arrive: nothing is lost.

The test and two workers share one database: the PostgreSQL test database, or on SQLite a file copied from
the in-memory test database (the test's own connection is pointed at that file for the duration). The workers
send their emails to a real SMTP server (aiosmtpd) in the test, which takes a moment to accept each recipient,
as real servers do: most kills then land in the middle of a send.

Exactly-once is what the recipient sees: a send interrupted after the message left but before it was recorded
goes out again with the same Message-ID (docs/SECURITY.md, "Recovery guarantees"), so the messages are counted
by Message-ID, and the raw duplicates are bounded by the kills that could have caused them.
"""

import asyncio
import email
import email.policy
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from guichet.notifications.models import DeliveryStatus, Notification, Template, WorkerHeartbeat
from guichet.notifications.rendering import domain
from guichet.organisation.models import AlertMode
from guichet.tickets import facts as ticket_facts
from guichet.tickets.models import TicketFacts
from guichet.tickets.services import ticket_received
from tests import factories
from tests.conftest import SmtpCapture, day_counts, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TICKETS = 200
KILLS = 5
# Short enough for a test; the worker's own sweep does the recovery, then the cron's does a last one.
RECOVERY_SETTINGS = {
    "GUICHET_WORKER_HEARTBEAT_SECONDS": 1,
    "GUICHET_WORKER_DEAD_AFTER_SECONDS": 3,
    "GUICHET_SWEEP_INTERVAL_SECONDS": 1,
}


@pytest.fixture
def shared_database_url(tmp_path) -> Iterator[str]:
    """A DATABASE_URL a child process can open, holding the test's database."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        yield f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return
    original = connections["default"]
    path = tmp_path / "shared.sqlite3"
    original.ensure_connection()
    target = sqlite3.connect(path)
    original.connection.backup(target)  # the migrated, empty test schema
    target.close()
    shared = original.__class__({**original.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = shared
    try:
        yield f"sqlite:///{path}"
    finally:
        shared.close()
        connections["default"] = original


class Worker:
    """`manage.py guichet_worker`, restarted under a new worker id after each kill."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name, self.env, self.log, self.started = name, env, log, 0
        self.process: subprocess.Popen | None = None

    @property
    def worker_id(self) -> str:
        return f"kill-test-{self.name}-{self.started}"

    def start(self) -> None:
        self.started += 1
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "guichet_worker", "--no-reload", "--no-startup-delay"]
                + ["--interval", "0.05", "--worker-id", self.worker_id],
                env=self.env,
                cwd=django_settings.BASE_DIR,
                stdout=log,
                stderr=log,
            )

    def kill(self) -> None:
        self.process.kill()
        assert self.process.wait() == -9

    def stop(self) -> int:
        self.process.terminate()  # SIGTERM: django-tasks-db finishes the current task and exits
        return self.process.wait(timeout=30)


def kill_at_random(workers: list[Worker], submitting: threading.Event, rng: random.Random, database: dict) -> dict:
    """SIGKILL one of the workers at random moments while tickets are submitted (and until KILLS kills).

    Each kill waits until the worker has started and finished a task, then a random time, then until it is
    inside a task (its claim is committed): the kills land in work in progress, not in the second Python
    takes to start. Returns the tasks each kill left RUNNING, by killed worker id.
    """
    watch = connections["default"].__class__(database, "kill-watch")  # this thread's own connection
    left_running: dict[str, list[str]] = {}
    try:
        while len(left_running) < KILLS or submitting.is_set():
            worker = rng.choice(workers)
            worker_id = worker.worker_id
            wait_for(has_finished_a_task, watch, worker_id, timeout=20)  # started and warmed up
            time.sleep(rng.uniform(0, 1.0))
            wait_for(running_tasks, watch, worker_id, timeout=5, rng=rng)
            worker.kill()
            left_running[worker_id] = running_tasks(watch, worker_id)
            time.sleep(rng.uniform(0, 0.3))
            worker.start()
    finally:
        watch.close()
    return left_running


def wait_for(condition, *args, timeout: float, rng: random.Random | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition(*args) and time.monotonic() < deadline:
        time.sleep(rng.uniform(0, 0.01) if rng else 0.05)


def has_finished_a_task(watch, worker_id: str) -> bool:
    as_text = "worker_ids::text" if watch.vendor == "postgresql" else "worker_ids"
    with watch.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL' AND {as_text} LIKE %s",
            [f'%"{worker_id}"%'],
        )
        return cursor.fetchone() is not None


def running_tasks(watch, worker_id: str) -> list[str]:
    with watch.cursor() as cursor:
        cursor.execute("SELECT id, worker_ids FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'")
        rows = [(str(pk), json.loads(ids) if isinstance(ids, str) else ids) for pk, ids in cursor.fetchall()]
    return [pk for pk, ids in rows if ids and ids[-1] == worker_id]


class SlowServer(SmtpCapture):
    """A real SMTP server that takes a few milliseconds to accept a recipient."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def slow_smtp_server() -> Iterator[tuple[SlowServer, int]]:
    capture = SlowServer()
    controller = Controller(capture, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield capture, controller.port
    finally:
        controller.stop()


def wait_until_settled(timeout: float) -> bool:
    """Every notification sent, failed or held for a digest, and no task left to run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unsettled = Notification.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        if not unsettled.exists() and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            return True
        time.sleep(0.25)
    return False


def test_killing_workers_at_random_loses_and_duplicates_nothing(
    shared_database_url, slow_smtp_server, tmp_path, settings
):
    for name, value in RECOVERY_SETTINGS.items():
        setattr(settings, name, value)
    smtp, smtp_port = slow_smtp_server
    env = {
        **os.environ,
        **{name: str(value) for name, value in RECOVERY_SETTINGS.items()},
        "DATABASE_URL": shared_database_url,
        "CACHE_URL": "locmem://",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "10",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SMS_FILE_PATH": str(tmp_path / "worker-sms"),
    }
    seed = random.randrange(1_000_000)
    print(f"random seed {seed}")
    rng = random.Random(seed)

    factories.CommuneFactory()
    service = factories.ServiceFactory(name="Voirie", slug="voirie", email="voirie@mairie.test")
    request_type = factories.RequestTypeFactory(service=service)
    at_once = factories.AgentFactory(services=[service]).user
    in_digest = factories.AgentFactory(services=[service], alert_mode=AlertMode.DIGEST).user

    # Two workers, as a larger town hall runs them: each one's sweep takes back what the other left.
    workers = [Worker(name, env, tmp_path / "worker.log") for name in ("a", "b")]
    for worker in workers:
        worker.start()
    submitting = threading.Event()
    submitting.set()
    kills: list[dict[str, list[str]]] = []
    database = connection.settings_dict
    killer = threading.Thread(target=lambda: kills.append(kill_at_random(workers, submitting, rng, database)))
    killer.start()
    started = time.monotonic()
    try:
        tickets = []
        for n in range(TICKETS):
            citizen = factories.CitizenFactory(email=f"usager{n}@example.org")
            tickets.append(factories.make_ticket(request_type=request_type, citizen=citizen))
            time.sleep(rng.uniform(0, 0.02))
        submitting.clear()
        killer.join()
        print(f"{TICKETS} tickets in {time.monotonic() - started:.1f} s; tasks left running by each kill: {kills[0]}")
        settled = wait_until_settled(timeout=90)
        call_command("requeue_stuck_notifications", verbosity=0)  # the cron's sweep, with the workers'
        settled = wait_until_settled(timeout=30) and settled
        assert [worker.stop() for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
        killer.join()
    print(f"settled in {time.monotonic() - started:.1f} s")
    assert settled, (tmp_path / "worker.log").read_text()[-3000:]
    killed = kills[0]
    assert len(killed) >= KILLS

    # The kills really hit work in progress, and the sweep took it back: run again to the end.
    hit = {uuid.UUID(pk) for pks in killed.values() for pk in pks}
    assert hit
    for task in DBTaskResult.objects.filter(pk__in=hit):
        assert task.status == "SUCCESSFUL" and len(task.worker_ids) >= 2, (task.task_path, task.worker_ids)
    # Never taken from a live worker: every claim but the last of any task is one of a killed worker.
    for task in DBTaskResult.objects.all():
        assert set(task.worker_ids[:-1]) <= set(killed), task.worker_ids
    assert not WorkerHeartbeat.objects.filter(worker_id__startswith="kill-test-", stopped_at__isnull=True).exclude(
        worker_id__in=killed
    )

    # Every ticket: one acknowledgement sent, one alert sent to the agent alerted at once, one held for the digest.
    notifications = Notification.objects.all()
    assert Counter(notifications.values_list("template", "recipient", "status")) == Counter(
        [(Template.ACKNOWLEDGEMENT, f"usager{n}@example.org", DeliveryStatus.SENT) for n in range(TICKETS)]
        + [(Template.TICKET_ENTERED_SERVICE, at_once.email, DeliveryStatus.SENT)] * TICKETS
        + [(Template.TICKET_ENTERED_SERVICE, in_digest.email, DeliveryStatus.HELD)] * TICKETS
    )
    assert set(notifications.values_list("ticket", flat=True)) == {ticket.pk for ticket in tickets}
    assert set(DBTaskResult.objects.filter(task_path=ticket_received.module_path).values_list("status", flat=True)) == {
        "SUCCESSFUL"
    }
    # Every ticket's statistics' facts, built by the task that followed it, and counted once whatever the kills.
    assert TicketFacts.objects.filter(ticket__in=tickets).count() == TICKETS
    counts = day_counts()
    ticket_facts.counts_rebuild(TicketFacts)
    assert day_counts() == counts

    # The emails the SMTP server accepted: one Message-ID per notification sent, to its recipient.
    emails = [email.message_from_bytes(e.content, policy=email.policy.default) for e in smtp.envelopes]
    by_id = Counter(message["Message-ID"] for message in emails)
    sent = {f"<{n.uuid}@{domain()}>": n for n in notifications.filter(status=DeliveryStatus.SENT)}
    assert set(by_id) == set(sent)
    for envelope, message in zip(smtp.envelopes, emails, strict=True):
        assert envelope.rcpt_tos == [sent[message["Message-ID"]].recipient]
    duplicates = {message_id: count for message_id, count in by_id.items() if count > 1}
    print(f"{len(emails)} emails received, {len(by_id)} distinct, sent again after an interrupted send: {duplicates}")
    # Only a send interrupted between the transport and its record goes out twice: at most one per kill.
    assert sum(count - 1 for count in duplicates.values()) <= len(killed)
    assert all(sent[message_id].attempts >= 2 for message_id in duplicates)
