"""The WSGI entry point gunicorn's workers import: what a first request used to wait for is ready at start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run in a fresh interpreter: the test process has long since loaded all of it.
CHECK = """
import sys
import guichet.wsgi
from django.core.validators import EmailValidator
from django.urls import get_resolver
from django.utils.translation import get_language
print(all(name in sys.modules for name in ("guichet.portal.views.catalogue", "redis", "holidays.countries")))
print(EmailValidator.domain_regex._wrapped is not None and EmailValidator.domain_regex._wrapped.__class__.__name__)
print(get_language() in get_resolver()._reverse_dict)
"""


def test_a_web_worker_prepares_views_patterns_and_libraries_as_it_starts_not_on_its_first_request(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "GUICHET_ENV"))}
    env["GUICHET_VAR_DIR"] = str(tmp_path)
    env["CACHE_URL"] = "redis://127.0.0.1:6379/15"  # as in production; nothing connects at start
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-3:] == ["True", "Pattern", "True"]
