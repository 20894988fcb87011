"""deploy/: the systemd units pass `systemd-analyze verify`, the nginx site passes `nginx -t`, and the two
together serve Guichet over TLS: gunicorn started with the unit's own command line, nginx with the site file."""

import base64
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/guichet/app"  # where docs/INSTALL.md puts the code; the tests use this checkout instead
SYSTEMD = DEPLOY / "systemd"
# The worker runs the recovery sweep itself (notifications/heartbeat.py); every other periodic job has a timer.
TIMED_COMMANDS = {
    "fetch_mail",
    "import_scans",
    "send_agent_digests",
    "send_reminders",
    "purge_exports",
    "clearsessions",
    "prune_db_task_results",
}

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (package systemd)"
)
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (make deps installs nginx-light)"
)


def _installed_here(text: str) -> str:
    return text.replace(INSTALLED, str(ROOT))


def _exec_start(unit: Path) -> list[str]:
    text = unit.read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    return line.removeprefix("ExecStart=").split()


@needs_systemd_analyze
def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    for unit in SYSTEMD.iterdir():
        (tmp_path / unit.name).write_text(_installed_here(unit.read_text()))
    units = sorted(str(path) for path in tmp_path.iterdir())
    assert len(units) == 2 + 2 * len(TIMED_COMMANDS)
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=120)
    # Unknown settings are only warnings for systemd (exit code 0): any output is a failure here.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_each_periodic_job_has_a_timer_and_its_service_runs_a_real_command():
    commands = set(get_commands())
    timed = set()
    for timer in SYSTEMD.glob("*.timer"):
        service = timer.with_suffix(".service")
        assert service.exists(), f"{timer.name} has no service"
        assert "OnCalendar=" in timer.read_text()
        argv = _exec_start(service)
        assert argv[:2] == [f"{INSTALLED}/.venv/bin/python", "manage.py"]
        assert argv[2] in commands, f"{service.name}: no command {argv[2]}"
        timed.add(argv[2])
    assert timed == TIMED_COMMANDS
    worker = _exec_start(SYSTEMD / "guichet-worker.service")
    assert worker[2:] == ["guichet_worker", "--no-reload"]
    assert "Restart=always" in (SYSTEMD / "guichet-worker.service").read_text()


def test_gunicorn_runs_as_measured_in_the_benchmarks():
    web = (SYSTEMD / "guichet-web.service").read_text()
    argv = _exec_start(SYSTEMD / "guichet-web.service")
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert argv[argv.index("--threads") + 1] == "2"
    assert "--worker-class gthread --threads 2 -w $((3 * nproc))" in (ROOT / "docs/BENCHMARKS.md").read_text()
    assert "Environment=WEB_CONCURRENCY=6" in web  # 3 × 2 cores


def _megabytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def test_request_size_limits_match_the_upload_limits():
    site = (DEPLOY / "nginx" / "guichet.conf").read_text()
    general, scans = [_megabytes(v) for v in re.findall(r"client_max_body_size (\w+);", site)]
    # Room for the form around the files, but not a second upload's worth.
    assert settings.GUICHET_ATTACHMENT_MAX_TOTAL_BYTES < general <= settings.GUICHET_ATTACHMENT_MAX_TOTAL_BYTES * 1.25
    assert settings.GUICHET_SCAN_MAX_BYTES < scans <= settings.GUICHET_SCAN_MAX_BYTES * 1.25
    assert "location /agent/courrier/ {\n        client_max_body_size" in site


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=demarches.example.fr",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],  # fmt: skip
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _nginx_prefix(tmp_path: Path, *, http_port: int, https_port: int, socket_path: Path) -> Path:
    """The site as installed, in a throw-away prefix: its certificate, ports and the application's socket."""
    cert, key = _self_signed(tmp_path)
    site = _installed_here((DEPLOY / "nginx" / "guichet.conf").read_text())
    site = site.replace("/etc/letsencrypt/live/demarches.example.fr/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/demarches.example.fr/privkey.pem", str(key))
    site = site.replace("unix:/run/guichet-web/gunicorn.sock", f"unix:{socket_path}")
    site = site.replace("/var/log/nginx/guichet.access.log", str(tmp_path / "access.log"))
    site = site.replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", "")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    (tmp_path / "guichet.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"user root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n"
        + "".join(f" {kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy"))
        + f" include {tmp_path}/guichet.conf;\n}}\n"
    )
    return conf


@needs_nginx
def test_the_nginx_site_passes_nginx_t(tmp_path):
    conf = _nginx_prefix(tmp_path, http_port=free_port(), https_port=free_port(), socket_path=tmp_path / "g.sock")
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _wait_for(path_or_port, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if isinstance(path_or_port, Path):
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(str(path_or_port))
            else:
                socket.create_connection(("127.0.0.1", path_or_port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{path_or_port} did not answer within {timeout} s")


def _https(port: int, method: str, path: str, body: bytes | None = None) -> http.client.HTTPResponse:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    headers = {"Host": "demarches.example.fr"}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def _lines_when_written(path: Path, count: int, timeout: float = 15.0) -> list[str]:
    """nginx logs a request when its connection is done with it: an upload it refused, once it has read the rest."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@needs_nginx
def test_nginx_and_gunicorn_from_deploy_serve_guichet_over_tls(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    socket_path = tmp_path / "gunicorn.sock"
    argv = [
        arg.replace("/run/guichet-web/gunicorn.sock", str(socket_path))
        for arg in _exec_start(SYSTEMD / "guichet-web.service")
    ]
    argv[0] = _installed_here(argv[0])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    (tmp_path / "prometheus").mkdir()
    env.update(
        # The production variables of deploy/env.example; an SQLite database without tables: /sante/ says so.
        GUICHET_ENV_FILE=os.devnull,
        GUICHET_VAR_DIR=str(var),
        SITE_URL="https://demarches.example.fr",
        ALLOWED_HOSTS="demarches.example.fr",
        SECRET_KEY="s" * 50,
        BEHIND_HTTPS_PROXY="true",
        RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP",
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        PYTHONWARNINGS="ignore",
    )
    gunicorn_output = (tmp_path / "gunicorn.out").open("w")
    gunicorn = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=gunicorn_output, stderr=subprocess.PIPE)
    http_port, https_port = free_port(), free_port()
    conf = _nginx_prefix(tmp_path, http_port=http_port, https_port=https_port, socket_path=socket_path)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(socket_path)
        _wait_for(https_port)

        health = _https(https_port, "GET", "/sante/")
        assert health.status == 503  # the application's answer, passed through (no tables, no worker)
        assert b'"database": {"ok": true' in health.body
        request_id = health.getheader("X-Request-ID")
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id

        home = _https(https_port, "GET", "/")
        assert "Content-Security-Policy" in dict(home.getheaders())  # the app's own headers, whatever its answer

        too_large = _https(https_port, "POST", "/demarches/", body=b"x" * (31 * 1024 * 1024))
        assert too_large.status == 413
        assert "Envoi trop volumineux" in too_large.body.decode()
        policy = too_large.getheader("Content-Security-Policy")
        style = re.search(r"<style>(.*?)</style>", too_large.body.decode()).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert policy == f"default-src 'none'; style-src 'sha256-{digest}'; frame-ancestors 'none'"  # its style only

        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", "/suivi/", headers={"Host": "demarches.example.fr"})
        redirect = conn.getresponse()
        assert redirect.status == 301
        assert redirect.getheader("Location") == "https://demarches.example.fr/suivi/"

        # Each request is logged once, by nginx, with the application's time and the request id; gunicorn, as
        # deployed, writes no access log of its own.
        logged = _lines_when_written(tmp_path / "access.log", 3)  # /sante/, /, the upload; the redirect is port 80's
        [health_line] = [line for line in logged if '"GET /sante/ HTTP/1.1"' in line]
        assert re.search(rf" 503 \d+ rt=[\d.]+ upstream=[\d.]+ id={request_id} ", health_line), health_line
        assert len(logged) == 3
        assert "/sante/" not in (tmp_path / "gunicorn.out").read_text()
    finally:
        nginx.terminate()
        gunicorn.terminate()
        nginx.wait(timeout=10)
        gunicorn.wait(timeout=40)
        gunicorn_output.close()
