"""Copying every stored file from one storage to another: moving from the local disk to an object store, backing
up a bucket to a folder, restoring it. Names are kept, so the rows still find their files."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.files.storage.filesystem import FileSystemStorage
from django.utils.module_loading import import_string

from guichet.lib.env import env_secret
from guichet.lib.storage import storage_from_url, stored_files


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0  # already there: a copy that stopped half-way is resumed, never doubled


def storage_at(url: str) -> Storage:
    """The storage a ``STORAGE_URL`` names; empty: the configured one."""
    if not url:
        return default_storage
    backend, root = storage_from_url(
        url,
        media_root=Path(settings.MEDIA_ROOT),
        access_key=env_secret("GUICHET_S3_ACCESS_KEY"),
        secret_key=env_secret("GUICHET_S3_SECRET_KEY"),
    )
    if "OPTIONS" not in backend:
        return FileSystemStorage(location=root)
    return import_string(backend["BACKEND"])(**backend["OPTIONS"])


def storage_copy(*, source: Storage, target: Storage) -> CopyReport:
    report = CopyReport()
    for name in stored_files(source):
        if target.exists(name):
            report.skipped += 1
            continue
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name:  # another process wrote it meanwhile: never keep a copy under another name
            target.delete(saved)
            raise RuntimeError(f"{name} was stored as {saved}")
        report.copied += 1
    return report
