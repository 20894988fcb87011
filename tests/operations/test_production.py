import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from guichet.lib.production import production_problems

ROOT = Path(__file__).resolve().parents[2]
SHARED = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}}
PRODUCTION = {"debug": False, "site_url": "https://demarches.example.fr", "secret_key_given": True, "caches": SHARED}


def test_a_complete_production_configuration_is_accepted():
    assert production_problems(**PRODUCTION) == []
    redis = {"default": {"BACKEND": "guichet.lib.cache.RedisCache"}}
    assert production_problems(**{**PRODUCTION, "caches": redis}) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key_given": False}, "SECRET_KEY"),
        ({"site_url": "http://demarches.example.fr"}, "SITE_URL must be an https://"),
        ({"caches": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}, "CACHE_URL"),
        ({"caches": {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}}, "CACHE_URL"),
    ],
    ids=["no-secret-key", "http-site-url", "locmem-cache", "dummy-cache"],
)
def test_each_production_refusal(change, named):
    problems = production_problems(**{**PRODUCTION, **change})
    assert len(problems) == 1
    assert named in problems[0]


@pytest.mark.parametrize("site_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_debug_or_a_try_out_on_this_machine_is_never_refused(site_url):
    bare = {
        "secret_key_given": False,
        "caches": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    }
    assert production_problems(**{**PRODUCTION, **bare, "site_url": site_url}) == []
    assert production_problems(**{**PRODUCTION, **bare, "site_url": "http://demarches.example.fr", "debug": True}) == []


def _start(*args, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "SECRET_KEY"))}
    full["GUICHET_ENV_FILE"] = os.devnull
    full.update(env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60)


def test_the_web_server_and_check_deploy_refuse_to_start_and_say_why(tmp_path):
    refused = {
        "GUICHET_VAR_DIR": str(tmp_path),
        "SITE_URL": "http://demarches.example.fr",
        "ALLOWED_HOSTS": "demarches.example.fr",
        "CACHE_URL": "locmem://",
    }
    for args in (["manage.py", "check", "--deploy"], ["-c", "import guichet.wsgi"]):
        result = _start(*args, **refused)
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert "ImproperlyConfigured: Guichet refuses to start in production" in last
        for variable in ("SECRET_KEY", "SITE_URL", "CACHE_URL"):
            assert variable in last

    fixed = {"SITE_URL": "https://demarches.example.fr", "CACHE_URL": "db://", "SECRET_KEY": secrets.token_urlsafe(50)}
    accepted = _start("-c", "import guichet.wsgi", **{**refused, **fixed})
    assert accepted.returncode == 0, accepted.stderr
