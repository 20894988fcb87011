"""Two nodes: two web servers (gunicorn, as deploy/ runs it) and two workers on one PostgreSQL, one Redis, one
media folder (issue 18, "Several nodes").

Each node is a set of processes with its own GUICHET_VAR_DIR; what they share is what a real deployment shares:
the database (pytest-django's test database, data committed by ``transactional_db``), the cache (a redis-server
started for the test, as tests/lib/test_cache.py does), the files (``shared_files``: the one place to change for
an object store) and the secret key. PostgreSQL only: on SQLite the suite's database is in memory, and a
SQLite file is not a multi-node setup.
"""

import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from PIL import Image

from guichet.notifications.locks import job_lock
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Attachment, Ticket
from tests.conftest import free_port
from tests.integration import node_tasks
from tests.portal.test_submission import form_data

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="several nodes need a database server: run with DATABASE_URL=postgres://… (SQLite is one machine)",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

ROOT = Path(django_settings.BASE_DIR)
START_TIMEOUT = 90
HTTP_TIMEOUT = 90  # the first request of a process loads the application, on a loaded machine


@pytest.fixture
def shared_files(tmp_path) -> dict[str, str]:
    """The files every node sees: the local disk here (one folder, as an NFS mount would be). To run the same
    test on an object store, return its storage settings instead."""
    media = tmp_path / "shared-media"
    media.mkdir()
    return {"MEDIA_ROOT": str(media)}


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: _redis_answers(url), what="redis-server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def node_env(tmp_path, redis_url, shared_files) -> dict[str, str]:
    """What every process of every node is started with (each node adds its own GUICHET_VAR_DIR)."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUICHET_", "PYTEST"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DATABASE_CONN_MAX_AGE="0",
        CACHE_URL=redis_url,
        SECRET_KEY="two-nodes-share-this-secret-key-" + "x" * 32,
        SITE_URL="http://127.0.0.1:8000",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        SMS_FILE_PATH=str(tmp_path / "sms"),
        GUICHET_2FA_REQUIRED="0",
        GUICHET_WORKER_HEARTBEAT_SECONDS="1",
        GUICHET_SWEEP_INTERVAL_SECONDS="1",
        **shared_files,
    )
    return env


class Node:
    """One machine: a gunicorn web server on a free port and a ``guichet_worker``."""

    def __init__(self, name: str, env: dict[str, str], tmp_path: Path) -> None:
        self.name = name
        self.var = tmp_path / f"node-{name}"
        self.var.mkdir()
        self.env = {**env, "GUICHET_VAR_DIR": str(self.var)}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []

    def _start(self, command: list[str], log: str) -> subprocess.Popen:
        with (self.var / log).open("ab") as out:
            process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=out, stderr=out)
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        self._start(
            [str(Path(sys.executable).parent / "gunicorn"), "guichet.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1", "--worker-class", "gthread", "--threads", "4", "--timeout", "60"],
            "web.log",
        )
        wait_until(lambda: _answers(self.url + "/sante/"), what=f"web server of node {self.name}", logs=self.logs)

    def start_worker(self) -> None:
        self._start(
            [sys.executable, "manage.py", "guichet_worker", "--no-reload", "--no-startup-delay"]
            + ["--interval", "0.05", "--worker-id", f"node-{self.name}"],
            "worker.log",
        )

    def manage(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.var.glob("*.log"))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=HTTP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=10)
    except requests.RequestException:  # not listening yet, or still loading the application
        return False
    return True


def wait_until(condition, *, what: str, timeout: float = START_TIMEOUT, logs=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not there after {timeout} s\n{logs() if logs else ''}")
        time.sleep(0.1)


@pytest.fixture
def nodes(node_env, tmp_path) -> Iterator[tuple[Node, Node]]:
    a, b = Node("a", node_env, tmp_path), Node("b", node_env, tmp_path)
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=HTTP_TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_submitted_on_one_node_tracked_on_the_other_and_its_changes_clear_the_cached_page(nodes, request_type, agent):
    a, b = nodes
    a.start_web()
    b.start_web()
    citizen = requests.Session()  # one browser, sent to either node by the load balancer
    form_url = f"{a.url}/demarches/{request_type.slug}/"
    data = {**form_data(), "csrfmiddlewaretoken": csrf_token(citizen, form_url)}
    photo = png_bytes()
    response = citizen.post(
        form_url,
        data=data,
        files={"f_photo": ("trou.png", photo, "image/png")},
        headers={"Referer": form_url},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 302, response.text[:2000]
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get(ticket=ticket)

    # Node B: the same session (in the database and the shared cache) opens the dashboard and the photo.
    dashboard = citizen.get(f"{b.url}/suivi/{ticket.reference}/", timeout=HTTP_TIMEOUT)
    assert dashboard.status_code == 200
    assert "Écrire à la mairie" in dashboard.text
    link = f"/suivi/{ticket.reference}/pieces/{attachment.public_id}/"
    assert link in dashboard.text
    download = citizen.get(b.url + link, timeout=HTTP_TIMEOUT)
    assert download.status_code == 200
    assert download.content == photo

    # The public status page, cached by node A in Redis; then a change on node B (the citizen's reply moves the
    # ticket from "waiting for you" to "in progress") must show on node A at once, not after the cache's minute.
    services.message_post_by_agent(
        ticket=ticket, agent=agent, body="Où exactement ?", new_status=Status.AWAITING_CITIZEN
    )
    visitor = requests.Session()
    before = visitor.get(f"{a.url}/suivi/{ticket.reference}/", timeout=HTTP_TIMEOUT).text
    keys = redis.Redis.from_url(a.env["CACHE_URL"]).keys(f"*status-page*{ticket.reference}*")
    assert keys, "node A keeps the status page in the shared cache"
    assert visitor.get(f"{a.url}/suivi/{ticket.reference}/", timeout=HTTP_TIMEOUT).text == before

    reply_url = f"{b.url}/suivi/{ticket.reference}/repondre/"
    token = csrf_token(citizen, f"{b.url}/suivi/{ticket.reference}/")
    replied = citizen.post(
        reply_url,
        data={"body": "Devant le numéro 12.", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{b.url}/suivi/{ticket.reference}/"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert replied.status_code == 302, replied.text[:2000]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    after = visitor.get(f"{a.url}/suivi/{ticket.reference}/", timeout=HTTP_TIMEOUT).text
    assert after != before
    assert str(Status.IN_PROGRESS.label) in after


def test_a_task_queued_many_times_is_run_once_by_one_of_the_two_workers(nodes, tmp_path):
    a, b = nodes
    runs = tmp_path / "runs.txt"
    count = 300
    for number in range(count):
        node_tasks.record_run.enqueue(str(runs), number)
    a.start_worker()
    b.start_worker()
    wait_until(
        lambda: DBTaskResult.objects.filter(task_path__endswith="record_run", status="SUCCESSFUL").count() == count,
        what="the 300 tasks",
        timeout=180,
        logs=lambda: a.logs() + b.logs(),
    )
    lines = runs.read_text().splitlines()
    numbers = Counter(int(line.split()[0]) for line in lines)
    assert sorted(numbers) == list(range(count))
    assert set(numbers.values()) == {1}, "a task ran twice"
    claims = DBTaskResult.objects.filter(task_path__endswith="record_run").values_list("worker_ids", flat=True)
    assert all(len(worker_ids) == 1 for worker_ids in claims)
    assert {w for worker_ids in claims for w in worker_ids} == {"node-a", "node-b"}, "both workers took tasks"


def test_a_worker_claims_its_task_with_skip_locked_on_postgresql():
    """What the test above relies on: django-tasks-db's claim skips a row another worker has locked."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        DBTaskResult.objects.ready().get_locked()
    assert any(q["sql"].endswith("FOR UPDATE SKIP LOCKED") for q in queries.captured_queries), queries.captured_queries


def test_the_daily_tasks_are_queued_once_whichever_workers_start(nodes):
    a, b = nodes
    a.start_worker()
    b.start_worker()
    wait_until(
        lambda: DBTaskResult.objects.filter(task_path__endswith="_daily").count() >= 2,
        what="the daily tasks",
        logs=lambda: a.logs() + b.logs(),
    )
    time.sleep(3)  # a few heartbeats of both workers, each checking the day's tasks again
    queued = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    daily = {path: n for path, n in queued.items() if path.endswith("_daily")}
    assert daily and set(daily.values()) == {1}, daily


def _race(mode: str, node_env: dict[str, str], tmp_path: Path) -> list[tuple[str, str]]:
    out = tmp_path / f"race-{mode}.txt"
    script = str(ROOT / "tests" / "integration" / "racer.py")
    racers = [subprocess.Popen([sys.executable, script, mode, str(out), "4"], env=node_env, cwd=ROOT) for _ in range(2)]
    wait_until(lambda: len(list(tmp_path.glob(f"{out.name}.ready.*"))) == 2, what="both racers loaded")
    Path(f"{out}.go").touch()
    for racer in racers:
        assert racer.wait(timeout=120) == 0
    return [tuple(line.split()) for line in out.read_text().splitlines()]


def assert_one_holder_at_a_time(lines: list[tuple[str, str]]) -> None:
    assert lines, "nobody ever held the lock"
    for start, end in zip(lines[::2], lines[1::2], strict=True):
        assert start[0] == "start" and end == ("end", start[1]), lines
    assert len({pid for _word, pid in lines}) == 2, "both processes held it in turn"


@pytest.mark.parametrize("mode", ["lock", "periodic"])
def test_two_processes_racing_for_a_job_never_hold_it_together(node_env, tmp_path, mode):
    assert_one_holder_at_a_time(_race(mode, node_env, tmp_path))


def test_import_scans_on_a_shared_folder_runs_on_one_node_at_a_time(nodes, tmp_path, commune):
    a, b = nodes
    folder = tmp_path / "scans"
    folder.mkdir()
    scan = folder / "lettre.png"
    scan.write_bytes(png_bytes())
    os.utime(scan, (time.time() - 120, time.time() - 120))
    # Node A is in the middle of an import of the folder (the database lock, which flock on another machine would
    # not see); node B's timer fires: it leaves the folder alone.
    with job_lock(f"import_scans:{folder.resolve()}") as held:
        assert held
        busy = b.manage("import_scans", str(folder))
        assert busy.returncode == 0, busy.stderr
        assert "Un autre import de ce dossier est en cours" in busy.stdout
        assert scan.exists()
    done = b.manage("import_scans", str(folder))
    assert done.returncode == 0, done.stderr
    assert "importé : lettre.png" in done.stdout
    assert (folder / "done" / "lettre.png").exists()
