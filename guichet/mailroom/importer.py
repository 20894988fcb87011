"""A scanner's drop folder into the mail room: ``manage.py import_scans DIR``.

Every file ends in ``DIR/done/`` (stored as a mail item, or already known) or ``DIR/failed/`` (refused,
with ``<name>.reason.txt`` beside it). Nothing is deleted. The order is: hash → database row committed
→ move. A process killed after the commit leaves the file in DIR; the next run finds its hash known
and only moves it. Killed before the commit, nothing was recorded and the file is imported again.

One file never stops the batch: whatever it raises, it goes to ``failed/`` with the reason and the next
file is read. Only a database error stops the run (it is not the file's fault: every file stays in DIR
for the next run). Only regular files of DIR itself are read: a symbolic link, a FIFO or a device is
refused and moved aside (the link itself, never its target), and each file is read through the
descriptor opened without following links, so swapping it for a link after the check changes nothing.
"""

import datetime
import fcntl
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone

from guichet.mailroom.models import MailSource
from guichet.mailroom.services import mail_item_receive
from guichet.notifications.locks import job_lock

logger = logging.getLogger(__name__)

DONE_DIR = "done"
FAILED_DIR = "failed"
REASON_SUFFIX = ".reason.txt"
LOCK_NAME = ".import_scans.lock"

IMPORTED, KNOWN, FAILED, WAITING = "imported", "known", "failed", "waiting"


@dataclass(frozen=True)
class FileOutcome:
    name: str
    status: str  # IMPORTED, KNOWN, FAILED or WAITING
    reason: str = ""  # why it was refused (FAILED only), in French


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    locked: bool = False  # another import of the same folder was running: this one did nothing

    def add(self, outcome: FileOutcome) -> None:
        if outcome.status == FAILED:
            self.failed.append((outcome.name, outcome.reason))
        else:
            {IMPORTED: self.imported, KNOWN: self.known, WAITING: self.waiting}[outcome.status].append(outcome.name)


def import_scans(
    directory: Path,
    *,
    min_age_seconds: float = 30.0,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> ImportReport:
    """Import every file of ``directory`` (not its sub-folders); files younger than ``min_age_seconds``
    may still be being written by the scanner and wait for the next run. ``on_file`` is called as soon
    as each file is dealt with (the command prints it)."""
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
        # The folder may be shared by several nodes (mounted at the same path): the database says who reads it.
        with job_lock(f"import_scans:{directory.resolve()}") as held:
            if not held:
                report.locked = True
                return report
            _import_folder(directory, report, min_age_seconds=min_age_seconds, on_file=on_file)
    return report


def _import_folder(
    directory: Path,
    report: ImportReport,
    *,
    min_age_seconds: float,
    on_file: Callable[[FileOutcome], None] | None,
) -> None:
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        outcome = _import_file(path, min_age_seconds=min_age_seconds)
        if outcome is None:
            continue
        report.add(outcome)
        if on_file is not None:
            on_file(outcome)


def _import_file(path: Path, *, min_age_seconds: float) -> FileOutcome | None:
    """None for what is not a file of the folder's own (done/, failed/, other sub-folders, a file gone)."""
    try:
        link_stat = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(link_stat.st_mode):
        return None
    if stat.S_ISLNK(link_stat.st_mode):
        return _refuse(path, "lien symbolique refusé : seuls les fichiers déposés dans le dossier sont importés.")
    try:
        # No link followed, and O_NONBLOCK so that opening a FIFO cannot hang the run.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        return _refuse(path, f"fichier illisible ({error.strerror or error}).")
    try:
        return _import_open_file(path, fd, min_age_seconds=min_age_seconds)
    finally:
        os.close(fd)


def _import_open_file(path: Path, fd: int, *, min_age_seconds: float) -> FileOutcome:
    file_stat = os.fstat(fd)
    if not stat.S_ISREG(file_stat.st_mode):
        return _refuse(path, "ce n'est pas un fichier ordinaire (tube, périphérique…) : refusé.")
    if path.resolve().parent != path.parent.resolve():
        return _refuse(path, "le chemin mène hors du dossier d'import : refusé.")
    if time.time() - file_stat.st_mtime < min_age_seconds:
        return FileOutcome(path.name, WAITING)
    received_on = datetime.datetime.fromtimestamp(file_stat.st_mtime, tz=datetime.UTC)
    try:
        _item, created = mail_item_receive(
            path=_through_descriptor(fd, path),
            name=path.name,
            source=MailSource.IMPORT,
            received_on=timezone.localdate(received_on),
        )
    except ValidationError as error:
        return _refuse(path, " ".join(error.messages))
    except DatabaseError:
        raise  # the database, not the file: everything stays in the folder for the next run
    except Exception as error:  # noqa: BLE001 (one unreadable file must not stop the batch)
        logger.exception("import_scans: %s could not be imported", path)
        return _refuse(path, f"lecture impossible, erreur inattendue ({type(error).__name__} : {error}).")
    _move(path, path.parent / DONE_DIR)
    return FileOutcome(path.name, IMPORTED if created else KNOWN)


def _through_descriptor(fd: int, path: Path) -> str:
    """A name for the very file checked above, whatever happens to ``path`` meanwhile (Linux's /proc);
    elsewhere (a developer's Mac) the path itself, checked just before."""
    by_descriptor = f"/proc/self/fd/{fd}"
    return by_descriptor if os.path.exists(by_descriptor) else str(path)


def _refuse(path: Path, reason: str) -> FileOutcome:
    _move(path, path.parent / FAILED_DIR, reason=reason)
    return FileOutcome(path.name, FAILED, reason)


def _move(path: Path, target_dir: Path, *, reason: str = "") -> Path:
    """Move without ever overwriting: a name already taken gets a numbered suffix."""
    target = target_dir / path.name
    counter = 1
    # Only the file itself counts: a reason without its file is what a crash mid-move left, and is rewritten.
    while target.exists() or target.is_symlink():
        target = target_dir / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    if reason:
        # The reason first: a crash between the two leaves the file in DIR, to be tried again.
        Path(str(target) + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    os.replace(path, target)  # same file system: atomic; a link is moved as a link, its target untouched
    return target
