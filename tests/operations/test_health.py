import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from guichet.notifications.heartbeat import worker_heartbeat_start, worker_heartbeat_stop
from guichet.notifications.models import WorkerHeartbeat
from tests.conftest import free_port
from tests.s3 import stored_names

ROOT = Path(__file__).resolve().parents[2]
URL = "/sante/"


@pytest.fixture
def live_worker(db):
    worker_heartbeat_start(worker_id="worker-sante")
    return "worker-sante"


def failing(response):
    return response.json()["failing"]


def test_all_parts_working_answer_200_without_cache_nor_personal_data(
    any_storage, client, live_worker, settings, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "storage", "workers"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["workers"]["running"] == 1
    assert body["checks"]["workers"]["last_heartbeat_age_seconds"] < 5
    assert "worker-sante" not in response.content.decode()  # no worker ids, hosts or paths
    assert stored_names() == set()  # the probe's file is gone, from the disk or the bucket


def test_anyone_may_ask_but_only_to_read(client, live_worker):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_a_cache_on_a_closed_port_gives_503_naming_the_cache(client, live_worker, settings):
    settings.CACHES = {
        "default": {"BACKEND": "guichet.lib.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    }
    response = client.get(URL)
    assert response.status_code == 503
    assert failing(response) == ["cache"]
    assert response.json()["checks"]["cache"]["error"] == "ConnectionError"


def test_a_storage_that_cannot_be_written_gives_503_naming_the_storage(client, live_worker, settings, tmp_path):
    # A file where the media folder should be: no write can succeed, even as root (chmod would not stop root).
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get(URL)
    assert response.status_code == 503
    assert failing(response) == ["storage"]


def test_an_object_store_without_its_bucket_gives_503_naming_the_storage(client, live_worker, s3_storage, caplog):
    s3_storage.client().delete_bucket(Bucket=s3_storage.name)
    response = client.get(URL)
    assert response.status_code == 503
    assert failing(response) == ["storage"]
    assert s3_storage.name not in response.content.decode()  # the reason is in the log only


def test_a_stale_heartbeat_gives_503_naming_the_workers(client, live_worker, settings):
    settings.GUICHET_WORKER_DEAD_AFTER_SECONDS = 60
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=61))
    response = client.get(URL)
    assert response.status_code == 503
    assert failing(response) == ["workers"]
    workers = response.json()["checks"]["workers"]
    assert workers["running"] == 0 and workers["max_age_seconds"] == 60
    assert workers["last_heartbeat_age_seconds"] >= 61

    settings.GUICHET_HEALTH_WORKER_MAX_AGE_SECONDS = 120  # an operator may allow more
    assert client.get(URL).status_code == 200


def test_no_running_worker_gives_503_naming_the_workers(client, live_worker):
    worker_heartbeat_stop(worker_id=live_worker)  # stopped cleanly: it runs nothing any more
    response = client.get(URL)
    assert response.status_code == 503
    assert failing(response) == ["workers"]
    assert "last_heartbeat_age_seconds" not in response.json()["checks"]["workers"]


def test_a_database_that_cannot_be_reached_gives_503_naming_it(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "response = Client().get('/sante/')\n"
        "print(response.status_code, response.content.decode())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="guichet.settings",
        GUICHET_ENV_FILE=os.devnull,
        GUICHET_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://guichet@127.0.0.1:{free_port()}/guichet",
        CACHE_URL="locmem://",
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    status, _, body = result.stdout.partition(" ")
    assert status == "503", result.stderr
    report = json.loads(body)
    assert report["failing"] == ["database", "workers"]  # no heartbeat can be read without the database
    assert report["checks"]["database"]["error"] == "OperationalError"
    assert report["checks"]["cache"]["ok"] and report["checks"]["storage"]["ok"]
