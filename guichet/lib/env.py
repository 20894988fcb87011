"""Typed helpers to read settings from the environment.

A malformed value fails loudly at start-up with ImproperlyConfigured, never later.
"""

import io
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import dotenv_values
from dotenv.parser import parse_stream

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the content of the file named by NAME_FILE (Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


def persistent_secret_key(path: Path) -> str:
    """A random key kept in a file, so a zero-config install never runs on a shared default."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


PROJECT_ENV_FILE = Path(__file__).resolve().parents[2] / ".env"


def load_env_file(path: str | os.PathLike[str] | None = None, *, default: Path = PROJECT_ENV_FILE) -> Path | None:
    """Put the variables of a ``.env`` file into the environment; those already set win (systemd, the shell).

    The file is GUICHET_ENV_FILE, else ``.env`` at the project's root. Without it, nothing is read (every setting
    has a default); a GUICHET_ENV_FILE that names no file is an error. A line python-dotenv cannot read stops the
    start with its number, never a half-read configuration. Values are literal: no ``${VAR}`` expansion.
    """
    named = path or os.environ.get("GUICHET_ENV_FILE")
    target = Path(named) if named else default
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        if named:
            raise ImproperlyConfigured(f"GUICHET_ENV_FILE={str(target)!r}: no such file") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(f"{target} cannot be read: {exc}") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:  # the line itself is not shown: it may hold a secret
            chunk = binding.original.string
            line = binding.original.line + chunk[: len(chunk) - len(chunk.lstrip())].count("\n")
            raise ImproperlyConfigured(f"{target}, line {line}: not a NAME=value line (a quote left open?)")
    for name, value in dotenv_values(stream=io.StringIO(text), interpolate=False).items():
        if value is not None:
            os.environ.setdefault(name, value)
    return target
