import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A fresh GUICHET_VAR_DIR: an SQLite database without tables, so that pages fail the way a broken install does.
REQUEST_A_BROKEN_INSTALL = """
import django; django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
print(client.get("/sante/", HTTP_X_REQUEST_ID="req-0123456789abcdef").status_code)
print(client.get("/", HTTP_COOKIE="sessionid=secret-session-cookie").status_code)
import sentry_sdk; sentry_sdk.flush(timeout=10)
"""


def _run(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_", "GUICHET_LOG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="guichet.settings",
        GUICHET_ENV_FILE=os.devnull,
        GUICHET_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        PYTHONWARNINGS="ignore",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", REQUEST_A_BROKEN_INSTALL], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )


def test_json_logs_are_one_object_a_line_with_the_request_id(tmp_path):
    result = _run(tmp_path, GUICHET_LOG_FORMAT="json")
    assert result.stdout.split() == ["503", "500"], result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert entries, "nothing was logged"
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry)
    health = [e for e in entries if e["logger"] == "guichet.operations.health"]
    assert health and all(e["request_id"] == "req-0123456789abcdef" for e in health)
    assert health[0]["level"] == "ERROR" and "OperationalError" in health[0]["exception"]
    answers = {e["message"]: e["request_id"] for e in entries if e["logger"] == "django.request"}
    assert answers["Service Unavailable: /sante/"] == "req-0123456789abcdef"  # logged after the middlewares
    assert len(answers["Internal Server Error: /"]) == 32  # none given: one is made


def test_plain_logs_stay_the_default(tmp_path):
    result = _run(tmp_path)
    assert " ERROR guichet.operations.health Health check workers failed" in result.stderr
    assert not any(line.startswith("{") for line in result.stderr.splitlines())


class _SentryStandIn(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # sentry-sdk compresses with Brotli when the module is there
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    _SentryStandIn.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentryStandIn)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], _SentryStandIn.received
    server.shutdown()
    server.server_close()


def test_a_sentry_dsn_sends_errors_without_personal_data(tmp_path, sentry_server):
    port, received = sentry_server
    result = _run(tmp_path, SENTRY_DSN=f"http://cle-publique@127.0.0.1:{port}/42", SENTRY_ENVIRONMENT="recette")
    assert result.stdout.split() == ["503", "500"], result.stderr
    assert received, result.stderr
    assert {path for path, _ in received} == {"/api/42/envelope/"}
    events = []
    for _, envelope in received:
        for line in envelope.splitlines():
            item = json.loads(line) if line.startswith(b"{") else {}
            if "exception" in item or "logentry" in item:
                events.append(item)
    crash = [e for e in events if e.get("transaction") == "/" or e.get("request", {}).get("url", "").endswith("/")]
    assert crash, events
    assert any(v["type"] == "OperationalError" for e in crash for v in e["exception"]["values"])
    assert all(e["environment"] == "recette" for e in events)
    everything = b"".join(body for _, body in received)
    assert b"secret-session-cookie" not in everything  # cookies are never sent


def test_without_a_dsn_sentry_is_not_started(tmp_path, sentry_server):
    _, received = sentry_server
    result = _run(tmp_path)
    assert result.stdout.split() == ["503", "500"], result.stderr
    assert received == []
