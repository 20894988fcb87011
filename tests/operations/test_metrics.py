import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from guichet.notifications.heartbeat import worker_heartbeat_start
from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel, Template

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "jeton-de-supervision-0123456789"


def notifications(count: int, status: str = DeliveryStatus.PENDING) -> None:
    for _ in range(count):
        Notification.objects.create(
            template=Template.CITIZEN_REPLIED,
            channel=NotificationChannel.EMAIL,
            recipient="agent@mairie.test",
            idempotency_key=f"metrics-{Notification.objects.count()}",
            status=status,
        )


def samples(response) -> dict[tuple[str, tuple], float]:
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def scraper(settings):
    settings.GUICHET_METRICS_TOKEN = TOKEN
    settings.GUICHET_METRICS_ALLOWED_IPS = ["192.0.2.10"]
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.mark.django_db
def test_metrics_are_hidden_until_set_up_and_refused_to_others(client, settings, scraper):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nimporte").status_code == 403
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", **scraper).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 200
    settings.GUICHET_METRICS_TOKEN = ""
    settings.GUICHET_METRICS_ALLOWED_IPS = []
    assert client.get("/metrics", **scraper).status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_by_method_and_status(client, scraper):
    before = samples(client.get("/metrics", **scraper))
    client.get("/suivi/INCONNU00/")
    client.post("/sante/")
    client.generic("BREW", "/sante/")
    after = samples(client.get("/metrics", **scraper))

    def grew(method: str, status: str) -> float:
        key = ("guichet_http_requests_total", (("method", method), ("status", status)))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("POST", "405") == 1
    assert grew("other", "405") == 1  # an invented method does not make a series of its own
    assert grew("GET", "200") == 1  # the first /metrics answer, counted once it was sent
    assert sum(grew("GET", status) for status in ("404", "302", "200")) == 2


@pytest.mark.django_db
def test_tasks_notifications_and_workers_come_from_the_database(client, scraper):
    notifications(2, DeliveryStatus.FAILED)
    notifications(1, DeliveryStatus.SENT)

    old = timezone.now() - timezone.timedelta(minutes=10)
    fields = {"args_kwargs": {}, "task_path": "x.y", "backend_name": "default", "queue_name": "default"}
    waiting = DBTaskResult.objects.create(status="READY", run_after=old, **fields)
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=old)
    DBTaskResult.objects.create(status="RUNNING", run_after=old, **fields)
    DBTaskResult.objects.create(status="FAILED", run_after=old, **fields)
    worker_heartbeat_start(worker_id="w1")

    found = samples(client.get("/metrics", **scraper))
    assert found[("guichet_tasks", (("status", "ready"),))] == 1
    assert found[("guichet_tasks", (("status", "running"),))] == 1
    assert found[("guichet_tasks", (("status", "failed"),))] == 1
    assert 600 <= found[("guichet_tasks_oldest_ready_age_seconds", ())] < 660
    assert found[("guichet_notifications", (("status", "failed"),))] == 2
    assert found[("guichet_notifications", (("status", "sent"),))] == 1
    assert found[("guichet_notifications", (("status", "pending"),))] == 0
    assert 0 <= found[("guichet_workers_last_heartbeat_age_seconds", ())] < 5
    assert found[("guichet_workers_not_stopped", ())] == 1


@pytest.mark.django_db
def test_the_scrape_costs_a_fixed_number_of_queries(client, scraper, django_assert_max_num_queries):
    notifications(5)
    with django_assert_max_num_queries(4):
        client.get("/metrics", **scraper)


COUNT_IN_ANOTHER_PROCESS = """
import django; django.setup()
from django.test import Client
client = Client()
for _ in range({n}):
    client.post("/sante/")
"""


@pytest.mark.django_db
def test_web_processes_add_up_their_counters_in_multiprocess_mode(client, scraper, tmp_path, monkeypatch):
    """Two processes (as two gunicorn workers) count apart; the scrape, answered by a third, adds them up."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="guichet.settings",
        GUICHET_ENV_FILE=os.devnull,
        GUICHET_VAR_DIR=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(shared),
        ALLOWED_HOSTS="testserver",
    )
    for n in (3, 4):
        code = COUNT_IN_ANOTHER_PROCESS.format(n=n)
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
    assert len(list(shared.glob("counter_*.db"))) == 2

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    found = samples(client.get("/metrics", **scraper))
    assert found[("guichet_http_requests_total", (("method", "POST"), ("status", "405")))] == 7
    assert ("guichet_tasks", (("status", "ready"),)) in found  # the database's figures are still there
