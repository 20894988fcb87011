"""The recovery sweep's rules, one by one (the whole story, with a real worker killed: test_worker_kill.py)."""

import datetime
import os
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.backoffice.resend import failed_notifications_for
from guichet.notifications import sweep
from guichet.notifications.delivery import deliver_notification
from guichet.notifications.heartbeat import worker_heartbeat_beat, worker_heartbeat_start
from guichet.notifications.models import DeliveryStatus, Notification, Template, WorkerHeartbeat
from guichet.notifications.services import notify_citizen
from guichet.notifications.sweep import recovery_sweep
from guichet.tickets import facts as ticket_facts
from guichet.tickets.models import Event, EventKind, TicketFacts
from guichet.tickets.services import ticket_received
from tests import factories
from tests.conftest import day_counts

pytestmark = pytest.mark.django_db
with_worker = pytest.mark.django_db(transaction=True)
LONG_AGO = datetime.timedelta(hours=2)


@pytest.fixture
def ticket(request_type, citizen):
    """A ticket whose citizen has one notification queued with a delivery task of its own, as every notification
    but a new ticket's acknowledgement (sent by the ticket's own task: "A new ticket's task", below)."""
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen, acknowledge=False)
    notify_citizen(ticket=ticket, template=Template.ACKNOWLEDGEMENT, key="again")
    return ticket


def acknowledgement(ticket) -> Notification:
    return Notification.objects.get(ticket=ticket, template=Template.ACKNOWLEDGEMENT)


def tasks_of(task, *args) -> list[DBTaskResult]:
    return [
        row for row in DBTaskResult.objects.filter(task_path=task.module_path) if row.args_kwargs["args"] == list(args)
    ]


def delivery_task(notification) -> DBTaskResult:
    [row] = tasks_of(deliver_notification, notification.pk)
    return row


def heartbeat(worker_id: str, *, silent_for: datetime.timedelta = datetime.timedelta(0), stopped=False):
    seen = timezone.now() - silent_for
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, seen_at=seen, started_at=seen, stopped_at=seen if stopped else None
    )


def running(row: DBTaskResult, *, worker_ids: list[str], started_ago=datetime.timedelta(seconds=1)) -> None:
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", worker_ids=worker_ids, started_at=timezone.now() - started_ago
    )


def claimed(notification, *, ago: datetime.timedelta, attempts: int = 1) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=DeliveryStatus.SENDING, attempts=attempts, last_attempt_at=timezone.now() - ago
    )


# Notifications ---------------------------------------------------------------------------------


def test_a_pending_notification_whose_task_is_gone_is_queued_again(ticket):
    notification = acknowledgement(ticket)
    DBTaskResult.objects.filter(pk=delivery_task(notification).pk).update(status="FAILED")
    assert recovery_sweep().notifications_requeued == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.PENDING, 1)  # the lost run counts
    assert [row.status for row in tasks_of(deliver_notification, notification.pk)] == ["FAILED", "READY"]
    assert recovery_sweep().total == 0  # queued once, not at every sweep


def test_a_pending_notification_waiting_for_its_retry_is_left_alone(ticket):
    notification = acknowledgement(ticket)
    later = timezone.now() + datetime.timedelta(minutes=5)
    Notification.objects.filter(pk=notification.pk).update(attempts=2, next_attempt_at=later)
    DBTaskResult.objects.filter(pk=delivery_task(notification).pk).update(run_after=later)
    assert recovery_sweep().total == 0
    assert len(tasks_of(deliver_notification, notification.pk)) == 1


def test_a_lost_retry_is_queued_for_its_planned_time(ticket):
    notification = acknowledgement(ticket)
    later = timezone.now() + datetime.timedelta(minutes=5)
    Notification.objects.filter(pk=notification.pk).update(attempts=2, next_attempt_at=later)
    DBTaskResult.objects.all().delete()
    recovery_sweep()
    assert delivery_task(notification).run_after == later


def test_a_notification_lost_too_often_fails_and_is_listed_for_agents(ticket, agent, settings):
    notification = acknowledgement(ticket)
    Notification.objects.filter(pk=notification.pk).update(attempts=settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS - 1)
    DBTaskResult.objects.all().delete()
    assert recovery_sweep().notifications_failed == 1
    notification.refresh_from_db()
    assert (notification.status, notification.last_error) == (DeliveryStatus.FAILED, sweep.INTERRUPTED)
    assert list(failed_notifications_for(agent)) == [notification]  # « Envois en échec »
    assert Event.objects.filter(ticket=ticket, kind=EventKind.NOTIFICATION_FAILED).exists()


def test_a_sending_notification_with_no_task_left_is_sent_again(ticket, settings):
    notification = acknowledgement(ticket)
    claimed(notification, ago=datetime.timedelta(seconds=settings.GUICHET_WORKER_DEAD_AFTER_SECONDS + 1))
    DBTaskResult.objects.all().delete()
    assert recovery_sweep().notifications_requeued == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery_task(notification).status == "READY"


def test_a_just_claimed_notification_is_left_alone(ticket):
    notification = acknowledgement(ticket)
    claimed(notification, ago=datetime.timedelta(seconds=1))
    assert recovery_sweep().total == 0


def test_a_send_a_live_worker_is_still_on_is_never_taken_from_it(ticket, settings):
    notification = acknowledgement(ticket)
    heartbeat("alive")
    claimed(notification, ago=LONG_AGO)
    running(delivery_task(notification), worker_ids=["alive"], started_ago=LONG_AGO)  # far past every lease
    assert recovery_sweep().total == 0
    assert delivery_task(notification).status == "RUNNING"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.SENDING


def test_a_send_interrupted_once_too_often_fails(ticket, settings):
    notification = acknowledgement(ticket)
    claimed(notification, ago=LONG_AGO, attempts=settings.GUICHET_NOTIFICATION_MAX_ATTEMPTS)
    DBTaskResult.objects.all().delete()
    assert recovery_sweep().notifications_failed == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED


# Tasks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stopped", [False, True], ids=["silent", "stopped"])
def test_a_task_left_running_by_a_dead_worker_is_queued_again(ticket, stopped):
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5), stopped=stopped)
    row = delivery_task(acknowledgement(ticket))
    running(row, worker_ids=["dead"])
    assert recovery_sweep().tasks_requeued == 1
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("READY", ["dead"])  # the claims stay, counted


def test_a_plain_db_worker_keeps_its_task_for_the_lease(ticket, settings):
    row = delivery_task(acknowledgement(ticket))
    lease = datetime.timedelta(seconds=settings.GUICHET_TASK_LEASE_SECONDS)
    running(row, worker_ids=["no-heartbeat"], started_ago=lease - datetime.timedelta(seconds=30))
    assert recovery_sweep().tasks_requeued == 0
    running(row, worker_ids=["no-heartbeat"], started_ago=lease + datetime.timedelta(seconds=30))
    assert recovery_sweep().tasks_requeued == 1


def test_a_task_whose_workers_keep_dying_fails_and_its_notification_goes_on(ticket, settings):
    notification = acknowledgement(ticket)
    dead = [f"dead-{n}" for n in range(settings.GUICHET_TASK_MAX_RUNS)]
    for worker_id in dead:
        heartbeat(worker_id, silent_for=datetime.timedelta(minutes=5))
    row = delivery_task(notification)
    running(row, worker_ids=dead, started_ago=LONG_AGO)
    claimed(notification, ago=LONG_AGO)
    report = recovery_sweep()
    assert (report.tasks_failed, report.notifications_requeued) == (1, 1)
    row.refresh_from_db()
    assert (row.status, row.exception_class_path) == ("FAILED", "guichet.notifications.sweep.WorkerLost")
    assert [r.status for r in tasks_of(deliver_notification, notification.pk)] == ["FAILED", "READY"]


def test_a_worker_that_claimed_the_task_again_meanwhile_keeps_it(ticket):
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    row = delivery_task(acknowledgement(ticket))
    running(row, worker_ids=["dead"])
    row.refresh_from_db()
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now(), worker_ids=["dead", "alive"])
    sweep._retry_or_fail(row, expected_status="RUNNING", report=sweep.SweepReport())  # decided on the old read
    row.refresh_from_db()
    assert row.status == "RUNNING"


@with_worker
def test_a_fan_out_run_again_creates_no_duplicate_alert_nor_facts(request_type, citizen, agent, run_worker):
    second_agent = factories.AgentFactory(services=[request_type.service]).user
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    [fan_out] = tasks_of(ticket_received, ticket.pk, ticket.service_id)
    run_worker()
    counts = day_counts()
    # The worker died after the alerts were committed, before it recorded the task as done.
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    running(fan_out, worker_ids=["dead"])
    assert recovery_sweep().tasks_requeued == 1
    run_worker()
    fan_out.refresh_from_db()
    assert fan_out.status == "SUCCESSFUL"
    alerts = Notification.objects.filter(ticket=ticket, template=Template.TICKET_ENTERED_SERVICE)
    assert sorted(alerts.values_list("recipient", flat=True)) == sorted([agent.email, second_agent.email])
    assert set(alerts.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # The statistics' facts were built by the first run; the second counted the ticket no second time.
    assert TicketFacts.objects.filter(pk=ticket.pk).exists()
    assert day_counts() == counts
    ticket_facts.counts_rebuild(TicketFacts)
    assert day_counts() == counts


@with_worker
def test_a_fan_out_that_failed_on_an_error_runs_again(request_type, citizen, agent, run_worker, settings):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    [fan_out] = tasks_of(ticket_received, ticket.pk, ticket.service_id)
    DBTaskResult.objects.filter(pk=fan_out.pk).update(
        status="FAILED", worker_ids=["w1"], started_at=timezone.now(), exception_class_path="OperationalError"
    )
    assert recovery_sweep().tasks_requeued == 1
    run_worker()
    assert Notification.objects.filter(ticket=ticket, template=Template.TICKET_ENTERED_SERVICE).count() == 1
    assert TicketFacts.objects.filter(pk=ticket.pk).exists()
    DBTaskResult.objects.filter(pk=fan_out.pk).update(
        status="FAILED", worker_ids=["w"] * settings.GUICHET_TASK_MAX_RUNS
    )
    assert recovery_sweep().total == 0  # a fan-out that always fails is not retried for ever


# A new ticket's task: its acknowledgement, facts and alerts -------------------------------------


def test_a_new_tickets_acknowledgement_waiting_for_its_tickets_task_is_left_alone(request_type, citizen):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    notification = acknowledgement(ticket)
    [task] = tasks_of(ticket_received, ticket.pk, ticket.service_id)  # no delivery task of its own
    assert task.args_kwargs["kwargs"] == {"deliver": [notification.pk]}
    assert not tasks_of(deliver_notification, notification.pk)
    assert recovery_sweep().total == 0
    heartbeat("alive")
    running(task, worker_ids=["alive"], started_ago=LONG_AGO)
    claimed(notification, ago=LONG_AGO)  # a long send by a live worker
    assert recovery_sweep().total == 0


def test_a_new_tickets_acknowledgement_is_queued_again_when_its_tickets_task_is_gone(request_type, citizen):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    notification = acknowledgement(ticket)
    DBTaskResult.objects.all().delete()
    assert recovery_sweep().notifications_requeued == 1
    assert delivery_task(notification).status == "READY"


def test_a_new_tickets_task_run_again_leaves_an_attempted_acknowledgement_to_its_retry(request_type, citizen):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    notification = acknowledgement(ticket)
    later = timezone.now() + datetime.timedelta(minutes=5)
    # The first run's attempt failed and planned a retry, then the run failed: the sweep runs it again.
    Notification.objects.filter(pk=notification.pk).update(attempts=1, next_attempt_at=later)
    ticket_received.call(ticket.pk, ticket.service_id, deliver=[notification.pk])
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.PENDING, 1)
    assert TicketFacts.objects.filter(pk=ticket.pk).exists()  # the rest of the task is done


@with_worker
def test_a_new_tickets_task_left_by_a_dead_worker_sends_its_acknowledgement_once(
    request_type, citizen, run_worker, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    [task] = tasks_of(ticket_received, ticket.pk, ticket.service_id)
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    running(task, worker_ids=["dead"])
    claimed(acknowledgement(ticket), ago=LONG_AGO)  # it died while sending the acknowledgement
    report = recovery_sweep()
    assert (report.tasks_requeued, report.notifications_requeued) == (1, 1)
    assert not tasks_of(deliver_notification, acknowledgement(ticket).pk)  # the ticket's task, run again, sends it
    run_worker()
    notification = acknowledgement(ticket)
    assert (notification.status, notification.attempts) == (DeliveryStatus.SENT, 2)
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert TicketFacts.objects.filter(pk=ticket.pk).exists()


# Workers, the cron, and one sweep at a time ----------------------------------------------------


@with_worker
def test_the_worker_sweeps_at_start_and_records_its_life(ticket, run_worker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification = acknowledgement(ticket)
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    claimed(notification, ago=LONG_AGO)
    running(delivery_task(notification), worker_ids=["dead"], started_ago=LONG_AGO)
    call_command("guichet_worker", batch=True, startup_delay=False, reload=False, verbosity=0, worker_id="batch-worker")
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (DeliveryStatus.SENT, 2)
    worker = WorkerHeartbeat.objects.get(worker_id="batch-worker")
    assert worker.stopped_at is not None and worker.pid


def test_a_worker_restarted_under_the_same_id_takes_back_what_its_previous_life_left(ticket):
    heartbeat("fixed-id")  # the previous process beat until it was killed, a moment ago
    row = delivery_task(acknowledgement(ticket))
    running(row, worker_ids=["fixed-id"])
    worker_heartbeat_start(worker_id="fixed-id")
    row.refresh_from_db()
    assert row.status == "READY"
    assert WorkerHeartbeat.objects.get(worker_id="fixed-id").pid == os.getpid()


def test_a_late_beat_does_not_revive_a_stopped_worker():
    heartbeat("stopped", stopped=True)
    worker_heartbeat_beat(worker_id="stopped")
    assert "stopped" not in sweep.live_worker_ids(timezone.now())


def test_a_worker_beating_again_after_a_silence_is_live_again():
    heartbeat("paused", silent_for=datetime.timedelta(minutes=5))
    assert "paused" not in sweep.live_worker_ids(timezone.now())
    worker_heartbeat_beat(worker_id="paused")
    assert "paused" in sweep.live_worker_ids(timezone.now())


@with_worker
def test_the_cron_command_runs_the_whole_sweep(ticket, capsys):
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    running(delivery_task(acknowledgement(ticket)), worker_ids=["dead"])
    call_command("requeue_stuck_notifications")
    assert "1 tâche(s) et 0 notification(s) remise(s) en file" in capsys.readouterr().out


@with_worker
def test_only_one_sweep_runs_at_a_time(ticket):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: its exclusive transaction is the lock")
    heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
    running(delivery_task(acknowledgement(ticket)), worker_ids=["dead"])
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sweep.ADVISORY_LOCK_KEY])
        assert recovery_sweep().skipped
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
        with other.cursor() as cursor:  # at once: a closed session's locks go when its server process has ended
            cursor.execute("SELECT pg_advisory_unlock(%s)", [sweep.ADVISORY_LOCK_KEY])
    finally:
        other.close()
    assert recovery_sweep().tasks_requeued == 1


def read(query):
    """A read beside the heartbeat's thread. SQLite's in-memory test database is shared between threads with
    table locks that do not wait (no busy timeout): a read that meets the thread's write is refused at once,
    where a database file waits. Read again."""
    for _ in range(100):
        try:
            return query()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.02)
    return query()


@with_worker
def test_the_heartbeat_thread_beats_and_sweeps_on_a_schedule(ticket, settings):
    from guichet.notifications.heartbeat import Heartbeat

    settings.GUICHET_WORKER_HEARTBEAT_SECONDS = settings.GUICHET_SWEEP_INTERVAL_SECONDS = 1
    beating = Heartbeat("scheduled")
    beating.start()
    try:
        first_seen = WorkerHeartbeat.objects.get(worker_id="scheduled").seen_at
        heartbeat("dead", silent_for=datetime.timedelta(minutes=5))
        row = delivery_task(acknowledgement(ticket))
        running(row, worker_ids=["dead"])  # left by a worker that died after this one started
        deadline = time.monotonic() + 10
        while read(lambda: DBTaskResult.objects.get(pk=row.pk).status) == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert read(lambda: DBTaskResult.objects.get(pk=row.pk).status) == "READY"
        assert read(lambda: WorkerHeartbeat.objects.get(worker_id="scheduled").seen_at) > first_seen
    finally:
        beating.stop()
    assert WorkerHeartbeat.objects.get(worker_id="scheduled").stopped_at is not None


def test_a_dead_after_shorter_than_two_beats_is_refused_at_start(tmp_path):
    from tests.test_settings import run_manage

    result = run_manage(
        "check",
        GUICHET_VAR_DIR=str(tmp_path),
        GUICHET_WORKER_HEARTBEAT_SECONDS="10",
        GUICHET_WORKER_DEAD_AFTER_SECONDS="15",
    )
    assert result.returncode != 0
    assert "GUICHET_WORKER_DEAD_AFTER_SECONDS" in result.stderr


def test_administrators_see_the_workers_but_cannot_edit_them(admin_client):
    worker = heartbeat("visible")
    assert "visible" in admin_client.get("/admin/notifications/workerheartbeat/").text
    assert admin_client.get("/admin/notifications/workerheartbeat/add/").status_code == 403
    assert admin_client.post(f"/admin/notifications/workerheartbeat/{worker.pk}/change/", {}).status_code == 403


@with_worker
def test_a_stop_that_lands_inside_a_transaction_is_still_recorded_and_clean(monkeypatch):
    """SIGTERM between two tasks: django-tasks-db exits at once (``sys.exit(0)`` in its handler), wherever the loop
    is. Inside atomic()'s own exit, the connection is left believing it is in a transaction; once closed, every
    query on it fails. The worker must still record its stop, and exit with 0 (systemd counts anything else as a
    failure)."""
    from django.db import transaction
    from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

    if connection.vendor == "sqlite":
        pytest.skip("Django never closes SQLite's in-memory test database; a database file is closed, and rolled back")

    def stopped_inside_a_transaction(self, *args, **options):
        transaction.atomic().__enter__()  # never left: the signal landed before Django knew it was out
        connection.close()
        raise SystemExit(0)

    monkeypatch.setattr(DbWorkerCommand, "handle", stopped_inside_a_transaction)
    with pytest.raises(SystemExit) as stop:
        call_command("guichet_worker", "--no-reload", "--no-startup-delay", "--worker-id", "interrupted")
    assert stop.value.code == 0
    assert WorkerHeartbeat.objects.get(worker_id="interrupted").stopped_at is not None
