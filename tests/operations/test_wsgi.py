"""The WSGI entry point gunicorn's workers import."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_worker_imports_the_views_as_it_starts_not_on_its_first_request(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "GUICHET_ENV"))}
    env["GUICHET_VAR_DIR"] = str(tmp_path)
    code = "import sys, guichet.wsgi; print('guichet.portal.views.catalogue' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
