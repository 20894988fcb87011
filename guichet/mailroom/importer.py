"""A scanner's drop folder into the mail room: ``manage.py import_scans DIR``.

Every file ends in ``DIR/done/`` (stored as a mail item, or already known) or ``DIR/failed/`` (refused,
with ``<name>.reason.txt`` beside it). Nothing is deleted. The order is: hash → database row committed
→ move. A process killed after the commit leaves the file in DIR; the next run finds its hash known
and only moves it. Killed before the commit, nothing was recorded and the file is imported again.
"""

import datetime
import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from guichet.mailroom.models import MailSource
from guichet.mailroom.services import mail_item_receive

DONE_DIR = "done"
FAILED_DIR = "failed"
REASON_SUFFIX = ".reason.txt"
LOCK_NAME = ".import_scans.lock"


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    locked: bool = False  # another import of the same folder was running: this one did nothing


def import_scans(directory: Path, *, min_age_seconds: float = 30.0) -> ImportReport:
    """Import every file of ``directory`` (not its sub-folders); files younger than ``min_age_seconds``
    may still be being written by the scanner and wait for the next run."""
    report = ImportReport()
    (directory / DONE_DIR).mkdir(exist_ok=True)
    (directory / FAILED_DIR).mkdir(exist_ok=True)
    # Cron may start a run while the previous one is still reading a big batch: one at a time per folder.
    with open(directory / LOCK_NAME, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report.locked = True
            return report
        _import_files(directory, report, min_age_seconds)
    return report


def _import_files(directory: Path, report: ImportReport, min_age_seconds: float) -> None:
    now = time.time()
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        stat = path.stat()
        if now - stat.st_mtime < min_age_seconds:
            report.waiting.append(path.name)
            continue
        received_on = datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC)
        try:
            _item, created = mail_item_receive(
                path=str(path),
                name=path.name,
                source=MailSource.IMPORT,
                received_on=timezone.localdate(received_on),
            )
        except ValidationError as error:
            reason = " ".join(error.messages)
            _move(path, directory / FAILED_DIR, reason=reason)
            report.failed.append((path.name, reason))
            continue
        _move(path, directory / DONE_DIR)
        (report.imported if created else report.known).append(path.name)


def _move(path: Path, target_dir: Path, *, reason: str = "") -> Path:
    """Move without ever overwriting: a name already taken gets a numbered suffix."""
    target = target_dir / path.name
    counter = 1
    # Only the file itself counts: a reason without its file is what a crash mid-move left, and is rewritten.
    while target.exists():
        target = target_dir / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    if reason:
        # The reason first: a crash between the two leaves the file in DIR, to be tried again.
        Path(str(target) + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    os.replace(path, target)  # same file system: atomic
    return target
