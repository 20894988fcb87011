"""A real worker process, killed with SIGKILL at random moments while tickets arrive: nothing is lost.

The test and the worker share one database: the PostgreSQL test database, or on SQLite a file copied from
the in-memory test database (the test's own connection is pointed at that file for the duration). The worker
writes its emails as .eml files (the zero-config backend), which are what the citizens and agents receive.

Exactly-once is what the recipient sees: a send interrupted after the message left but before it was recorded
goes out again with the same Message-ID (docs/SECURITY.md, "Recovery guarantees"), so the files are counted
by Message-ID, and the raw duplicates are bounded by the kills that could have caused them.
"""

import email
import email.policy
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from guichet.notifications.models import DeliveryStatus, Notification, Template, WorkerHeartbeat
from guichet.notifications.rendering import domain
from guichet.notifications.tasks import alert_service_agents
from guichet.organisation.models import AlertMode
from tests import factories

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
    """`manage.py guichet_worker`, restarted after each kill."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.started = env, log, 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.started += 1
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "guichet_worker", "--no-reload", "--no-startup-delay"]
                + ["--interval", "0.05", "--worker-id", f"kill-test-{self.started}"],
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


def kill_at_random(worker: Worker, submitting: threading.Event, rng: random.Random) -> int:
    """SIGKILL the worker at random moments while tickets are submitted (and until KILLS kills)."""
    kills = 0
    while kills < KILLS or submitting.is_set():
        time.sleep(rng.uniform(1.0, 2.5))  # the worker needs about a second to start
        worker.kill()
        kills += 1
        time.sleep(rng.uniform(0, 0.3))
        worker.start()
    return kills


def wait_until_settled(timeout: float) -> bool:
    """Every notification sent, failed or held for a digest, and no task left to run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unsettled = Notification.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        if not unsettled.exists() and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            return True
        time.sleep(0.25)
    return False


def written_emails(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in folder.glob("*.eml")]


def test_killing_the_worker_at_random_loses_and_duplicates_nothing(shared_database_url, tmp_path, settings):
    for name, value in RECOVERY_SETTINGS.items():
        setattr(settings, name, value)
    mail_folder = tmp_path / "worker-mail"
    env = {
        **os.environ,
        **{name: str(value) for name, value in RECOVERY_SETTINGS.items()},
        "DATABASE_URL": shared_database_url,
        "CACHE_URL": "locmem://",
        "EMAIL_BACKEND": "guichet.lib.mail.EmlFileBackend",
        "EMAIL_FILE_PATH": str(mail_folder),
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

    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    submitting = threading.Event()
    submitting.set()
    kills: list[int] = []
    killer = threading.Thread(target=lambda: kills.append(kill_at_random(worker, submitting, rng)))
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
        print(f"{TICKETS} tickets in {time.monotonic() - started:.1f} s, {kills[0]} kills")
        settled = wait_until_settled(timeout=90)
        call_command("requeue_stuck_notifications", verbosity=0)  # the cron finds nothing left behind
        settled = wait_until_settled(timeout=30) and settled
        assert worker.stop() == 0
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
        killer.join()
    print(f"settled in {time.monotonic() - started:.1f} s")
    assert settled, (tmp_path / "worker.log").read_text()[-3000:]
    assert kills[0] >= KILLS

    # The kills really hit work in progress, and the sweep took it back.
    rerun = [row for row in DBTaskResult.objects.all() if len(row.worker_ids) > 1]
    print(f"tasks run again after a kill: {len(rerun)}")
    assert rerun

    # Every ticket: one acknowledgement sent, one alert sent to the agent alerted at once, one held for the digest.
    notifications = Notification.objects.all()
    assert Counter(notifications.values_list("template", "recipient", "status")) == Counter(
        [(Template.ACKNOWLEDGEMENT, f"usager{n}@example.org", DeliveryStatus.SENT) for n in range(TICKETS)]
        + [(Template.TICKET_ENTERED_SERVICE, at_once.email, DeliveryStatus.SENT)] * TICKETS
        + [(Template.TICKET_ENTERED_SERVICE, in_digest.email, DeliveryStatus.HELD)] * TICKETS
    )
    assert set(notifications.values_list("ticket", flat=True)) == {ticket.pk for ticket in tickets}
    assert set(
        DBTaskResult.objects.filter(task_path=alert_service_agents.module_path).values_list("status", flat=True)
    ) == {"SUCCESSFUL"}

    # The emails written: one Message-ID per notification sent, to its recipient.
    emails = written_emails(mail_folder)
    by_id = Counter(message["Message-ID"] for message in emails)
    sent = {f"<{n.uuid}@{domain()}>": n for n in notifications.filter(status=DeliveryStatus.SENT)}
    assert set(by_id) == set(sent)
    for message in emails:
        assert message["To"] == sent[message["Message-ID"]].recipient
    duplicates = {message_id: count for message_id, count in by_id.items() if count > 1}
    print(f"{len(emails)} emails written, {len(by_id)} distinct, sent again after an interrupted send: {duplicates}")
    # Only a send interrupted between the transport and its record goes out twice: at most one per kill.
    assert sum(count - 1 for count in duplicates.values()) <= kills[0]
    assert all(sent[message_id].attempts >= 2 for message_id in duplicates)
    assert not WorkerHeartbeat.objects.filter(worker_id=f"kill-test-{worker.started}", stopped_at__isnull=True)
