"""The English catalogue is complete, compiled, and actually served to English-speaking browsers."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

CATALOGUE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """A small stdlib parser for the subset of the PO format that ``makemessages`` writes."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None

    def append(value: str) -> None:
        assert entry is not None and target is not None
        text = ast.literal_eval(value)
        name, index = target
        if name == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):  # obsolete entry: not compiled
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line):
            keyword, index, value = match.groups()
            target = (keyword, int(index) if index is not None else None)
            if keyword == "msgstr":
                entry.msgstr.setdefault(target[1] or 0, "")
            append(value)
        elif line.startswith('"'):
            append(line)
        else:
            raise AssertionError(f"{path.name}:{number}: unexpected line {raw!r}")
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE)


def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid != ""]


def test_header_declares_english_utf8_and_plural_rule(entries):
    header = next(entry for entry in entries if entry.msgid == "")
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]


def test_every_entry_is_translated_and_not_fuzzy(entries):
    msgs = messages(entries)
    assert len(msgs) > 200, "the catalogue looks truncated"
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in msgs if "fuzzy" in e.flags]
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in msgs if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, "fuzzy entries are skipped by compilemessages:\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)
    plural = [e for e in msgs if e.msgid_plural is not None]
    assert plural and all(sorted(e.msgstr) == [0, 1] for e in plural)


def test_translations_keep_every_placeholder(entries):
    mismatched = []
    for entry in messages(entries):
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for index, text in entry.msgstr.items():
            if set(PLACEHOLDER.findall(text)) != expected:
                mismatched.append(f"line {entry.line} msgstr[{index}]: {entry.msgid!r} -> {text!r}")
    assert not mismatched, "\n".join(mismatched)


def test_compiled_catalogue_matches_the_po_file(entries):
    assert MO_FILE.exists(), "run: manage.py compilemessages -l en"
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = []
    for entry in messages(entries):
        if entry.msgid_plural is None:
            got = compiled.gettext(entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(f"{entry.msgid!r}: {got!r}")
        else:
            for n, index in ((1, 0), (2, 1)):
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr[index]:
                    stale.append(f"{entry.msgid!r}[{index}]: {got!r}")
    assert not stale, "django.mo is out of date (run compilemessages):\n" + "\n".join(stale)


@pytest.mark.parametrize("option", ["--untranslated", "--only-fuzzy"])
def test_msgattrib_reports_nothing(option):
    msgattrib = shutil.which("msgattrib")
    if msgattrib is None:
        pytest.skip("GNU gettext's msgattrib is not installed")
    result = subprocess.run([msgattrib, option, str(PO_FILE)], capture_output=True, text=True, check=True)
    assert result.stdout == ""


def test_home_page_is_served_in_english(client, request_type):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "What would you like to ask the town hall?" in response.text
    assert "Track my request" in response.text
    assert "Que souhaitez-vous demander à la mairie" not in response.text
    assert request_type.name in response.text


def test_home_page_defaults_to_french(client, request_type):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "Que souhaitez-vous demander à la mairie\N{NO-BREAK SPACE}?" in response.text
    assert "What would you like to ask the town hall?" not in response.text
    assert request_type.name in response.text


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (make deps installs it)")
def test_catalogue_holds_every_message_of_the_sources(tmp_path, entries):
    """Extract the messages again from a copy of the sources: none may be missing from the committed catalogue."""
    root = Path(settings.BASE_DIR)
    for name in ("guichet", "templates", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GUICHET_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    extracted = {e.msgid for e in parse_po(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po") if e.msgid}
    committed = {e.msgid for e in entries if e.msgid}
    missing = sorted(extracted - committed)
    assert not missing, f"run `make messages` and translate: {missing}"
