import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from guichet.lib.env import env_bool, env_int, env_list, env_secret, persistent_secret_key

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_accepts_usual_spellings_and_refuses_garbage(monkeypatch):
    for raw, expected in [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False), ("", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG") is expected
    monkeypatch.setenv("FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("N", "12")
    monkeypatch.setenv("HOSTS", "a.fr, b.fr,,")
    assert env_int("N", 1) == 12
    assert env_list("HOSTS", []) == ["a.fr", "b.fr"]
    monkeypatch.setenv("N", "douze")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)


def test_env_secret_reads_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("PASSWORD_FILE", str(secret))
    assert env_secret("PASSWORD") == "s3cret"


def test_zero_config_secret_key_is_random_and_kept(tmp_path):
    path = tmp_path / "secret_key"
    first = persistent_secret_key(path)
    assert len(first) >= 50
    assert persistent_secret_key(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        GUICHET_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://demarches.example.fr",
        ALLOWED_HOSTS="demarches.example.fr",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_default_insecure_secret_key_is_refused(tmp_path):
    result = run_manage("check", GUICHET_VAR_DIR=str(tmp_path), SECRET_KEY="django-insecure-changeme")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_malformed_reply_to_address_is_refused_at_start(tmp_path):
    result = run_manage("check", GUICHET_VAR_DIR=str(tmp_path), EMAIL_REPLY_TO="mairie-sans-arobase")
    assert result.returncode != 0
    assert "EMAIL_REPLY_TO" in result.stderr


@pytest.mark.parametrize(
    ("url", "environment", "expected"),
    [
        ("postgres://guichet@127.0.0.1:5432/guichet", {}, "True 5"),
        ("postgres://guichet@127.0.0.1:5432/guichet", {"DATABASE_PREPARE_THRESHOLD": "none"}, "True None"),
        ("postgres://guichet@127.0.0.1:5432/guichet", {"DATABASE_PREPARE_THRESHOLD": "2"}, "True 2"),
        ("postgres://guichet@127.0.0.1:5432/guichet", {"DATABASE_SERVER_SIDE_BINDING": "false"}, "None None"),
        ("sqlite:///guichet.sqlite3", {}, "None None"),  # SQLite's driver knows no such options
    ],
)
def test_postgresql_binds_parameters_on_the_server_and_prepares_unless_turned_off(tmp_path, url, environment, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "GUICHET_ENV"))}
    env |= {"GUICHET_VAR_DIR": str(tmp_path), "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "guichet.settings"}
    env |= environment
    code = (
        "from django.conf import settings; options = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(options.get('server_side_binding'), options.get('prepare_threshold'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
