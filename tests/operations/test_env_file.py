import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from guichet.lib.env import load_env_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("GUICHET_T_FROM_FILE", "GUICHET_T_QUOTED", "GUICHET_T_BOTH", "GUICHET_T_DOLLAR", "GUICHET_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)  # and removed again after the test
    return monkeypatch


def test_values_come_from_the_file_and_the_environment_wins(clean_env, tmp_path):
    env_file = tmp_path / "guichet.env"
    env_file.write_text(
        "# comment\n"
        "GUICHET_T_FROM_FILE=depuis le fichier\n"
        'export GUICHET_T_QUOTED="Mairie de Saint-Étienne # pas un commentaire"\n'
        "GUICHET_T_BOTH=fichier\n"
        "GUICHET_T_DOLLAR=ab${HOME}cd\n",
        encoding="utf-8",
    )
    clean_env.setenv("GUICHET_T_BOTH", "environnement")
    clean_env.setenv("GUICHET_ENV_FILE", str(env_file))

    assert load_env_file() == env_file
    assert os.environ["GUICHET_T_FROM_FILE"] == "depuis le fichier"
    assert os.environ["GUICHET_T_QUOTED"] == "Mairie de Saint-Étienne # pas un commentaire"
    assert os.environ["GUICHET_T_BOTH"] == "environnement"
    assert os.environ["GUICHET_T_DOLLAR"] == "ab${HOME}cd"  # literal: a secret may hold a dollar sign


def test_a_missing_default_file_is_fine_but_a_named_one_is_an_error(clean_env, tmp_path):
    assert load_env_file(default=tmp_path / "absent.env") is None
    clean_env.setenv("GUICHET_ENV_FILE", str(tmp_path / "absent.env"))
    with pytest.raises(ImproperlyConfigured, match="absent.env"):
        load_env_file()


def test_a_malformed_line_stops_the_start_with_its_number_and_not_its_content(clean_env, tmp_path):
    env_file = tmp_path / "guichet.env"
    env_file.write_text("GUICHET_T_FROM_FILE=ok\n\nSECRET_KEY='jamais fermée\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"line 3") as refused:
        load_env_file(env_file)
    assert "jamais" not in str(refused.value)
    assert "GUICHET_T_FROM_FILE" not in os.environ  # nothing half-read


def _run(args, env_file=None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "GUICHET_ENV"))}
    if env_file:
        env["GUICHET_ENV_FILE"] = str(env_file)
    env.update(extra)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


PRINT_SETTINGS = "from django.conf import settings; print(settings.SITE_URL, settings.GUICHET_ACCESS_LINK_DAYS)"


@pytest.mark.parametrize(
    "entry_point",
    [
        ["manage.py", "shell", "-c", PRINT_SETTINGS],  # commands, the worker, the mail pipe
        ["-c", "import guichet.wsgi; " + PRINT_SETTINGS],  # gunicorn
        ["-c", "import guichet.asgi; " + PRINT_SETTINGS],
    ],
    ids=["manage.py", "wsgi", "asgi"],
)
def test_every_entry_point_reads_the_file_and_the_environment_overrides_it(entry_point, tmp_path):
    env_file = tmp_path / "guichet.env"
    env_file.write_text(
        f"GUICHET_VAR_DIR={tmp_path}\nSITE_URL=http://localhost:8123\nGUICHET_ACCESS_LINK_DAYS=33\n", encoding="utf-8"
    )
    from_file = _run(entry_point, env_file)
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.splitlines()[-1].split() == ["http://localhost:8123", "33"]

    overridden = _run(entry_point, env_file, GUICHET_ACCESS_LINK_DAYS="7")
    assert overridden.stdout.splitlines()[-1].split() == ["http://localhost:8123", "7"], overridden.stderr


def test_a_malformed_file_stops_manage_py_with_a_clear_error(tmp_path):
    env_file = tmp_path / "guichet.env"
    env_file.write_text('SITE_URL="https://demarches.example.fr\n', encoding="utf-8")
    result = _run(["manage.py", "check"], env_file, GUICHET_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert f"{env_file}, line 1: not a NAME=value line" in result.stderr
