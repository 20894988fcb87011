"""Where files live: the local disk or an S3-compatible object store, chosen by ``STORAGE_URL``.

Every file goes through Django's storage API (``default_storage``, ``FieldFile.open``); the few tools that
need a real file (Tesseract through Pillow, pypdfium2 on a big PDF) get a temporary copy from ``local_copy``.
Files are served by the application after its permission checks, never by a public address of the store.

``STORAGE_URL``:

- empty (default): ``MEDIA_ROOT`` on the local disk;
- ``file:///var/lib/guichet/media``: that folder;
- ``s3://ACCESS:SECRET@host:port/bucket?region=fr-par&secure=0&location=guichet&addressing=path``: the bucket
  (keep it private), reached at ``https://host:port`` (``secure=0``: plain http, for a store on the same
  private network); without credentials in it, ``GUICHET_S3_ACCESS_KEY`` and ``GUICHET_S3_SECRET_KEY`` (or
  ``…_FILE``) give them, so that the secret need not be written in the URL.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:  # settings.py reads this module: no model machinery at import
    from django.core.files.storage import Storage
    from django.db.models.fields.files import FieldFile

FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# Should a signed address of the store ever be made (``FieldFile.url``), it expires after this many seconds.
SIGNED_URL_SECONDS = 60
_S3_QUERY = {"region", "secure", "location", "addressing"}
COPY_CHUNK = 1024 * 1024
READ_MEMORY_BYTES = 2 * 1024 * 1024


def storage_from_url(
    url: str, *, media_root: Path, access_key: str = "", secret_key: str = ""
) -> tuple[dict[str, Any], Path]:
    """``(STORAGES["default"], MEDIA_ROOT)`` for a ``STORAGE_URL``; ImproperlyConfigured when it is malformed."""
    if not url:
        return {"BACKEND": FILE_SYSTEM_BACKEND}, media_root
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured(f"STORAGE_URL: file:// needs an absolute path (file:///var/…), got {url!r}")
        return {"BACKEND": FILE_SYSTEM_BACKEND}, Path(unquote(parts.path))
    if parts.scheme != "s3":
        raise ImproperlyConfigured("STORAGE_URL must start with file:// or s3://")  # never echo: it may hold a secret
    return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(parts, access_key, secret_key)}, media_root


def _s3_options(parts, access_key: str, secret_key: str) -> dict[str, Any]:
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise ImproperlyConfigured("STORAGE_URL: the port of the s3:// address is not a number") from None
    bucket = parts.path.strip("/")
    if not host or not bucket or "/" in bucket:
        raise ImproperlyConfigured("STORAGE_URL: s3:// needs a host and a bucket: s3://KEY:SECRET@host:port/bucket")
    query = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - _S3_QUERY)
    if unknown:
        raise ImproperlyConfigured(f"STORAGE_URL: unknown s3:// parameter(s) {', '.join(unknown)}")
    secure = query.get("secure", "1").lower()
    if secure not in {"0", "1", "true", "false"}:
        raise ImproperlyConfigured("STORAGE_URL: secure must be 1 or 0")
    addressing = query.get("addressing") or ("virtual" if host.endswith(".amazonaws.com") else "path")
    if addressing not in {"path", "virtual"}:
        raise ImproperlyConfigured("STORAGE_URL: addressing must be path or virtual")
    access_key = unquote(parts.username or "") or access_key  # the address's own credentials first
    secret_key = unquote(parts.password or "") or secret_key
    if not access_key or not secret_key:
        raise ImproperlyConfigured(
            "STORAGE_URL: s3:// needs credentials, in the address or in GUICHET_S3_ACCESS_KEY and GUICHET_S3_SECRET_KEY"
        )
    scheme = "https" if secure in {"1", "true"} else "http"
    return {
        "bucket_name": bucket,
        "endpoint_url": f"{scheme}://{host}" + (f":{port}" if port else ""),
        "access_key": access_key,
        "secret_key": secret_key,
        "region_name": query.get("region") or None,
        "location": query.get("location", "").strip("/"),
        "addressing_style": addressing,
        "signature_version": "s3v4",
        # Like the local disk: a new file never replaces another of the same name.
        "file_overwrite": False,
        # Objects inherit the bucket's (private) policy; any address of one is signed and short-lived.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        # A file opened for reading is downloaded into a temporary file: in memory up to this size only (the
        # library's default keeps it all in memory, a 50 MB scan per download).
        "max_memory_size": READ_MEMORY_BYTES,
    }


def is_local_disk(storages: dict[str, Any]) -> bool:
    return storages["default"]["BACKEND"] == FILE_SYSTEM_BACKEND


def stored_files(storage: "Storage", directory: str = "") -> Iterator[str]:
    """Every file's name under ``directory``, through the storage's listing (folders on a disk, prefixes in a bucket)."""
    try:
        subdirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    prefix = f"{directory}/" if directory else ""
    for name in files:
        yield prefix + name
    for sub in subdirs:
        yield from stored_files(storage, prefix + sub)


@contextmanager
def local_copy(stored: "FieldFile", *, suffix: str = "") -> Iterator[str]:
    """The path of a temporary copy of a stored file, deleted on leaving, for tools that only read paths."""
    if not stored.name:
        raise ValueError("no file to copy")
    with (
        stored.storage.open(stored.name, "rb") as source,
        tempfile.NamedTemporaryFile(prefix="guichet-", suffix=suffix) as target,
    ):
        shutil.copyfileobj(source, target, COPY_CHUNK)
        target.flush()
        yield target.name
