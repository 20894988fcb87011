"""The request types the portal serves, kept per process: every form page and every submission reads one.

A process keeps the type it read (with its service, theme, priority and fields) under the catalogue's
version: a token in the shared cache that any saved or deleted type, field, theme, service or priority
replaces (signals connected in ``CatalogueConfig.ready``). The process that made the change sees it at its
next request, the others within ``VERSION_SECONDS`` (each reads the shared token at most that often: one
round trip to the cache fewer on most submissions). Nothing is kept longer than ``KEEP_SECONDS`` either, for
changes made without signals (a queryset's ``update()``). Callers must not modify what they get: the same
object serves other requests.
"""

import secrets
import time
from typing import Any

from django.core.cache import cache

from guichet.catalogue.models import RequestType

VERSION_KEY = "guichet:catalogue-version"
VERSION_SECONDS = 2.0
KEEP_SECONDS = 60.0
_kept: dict[str, tuple[str, float, RequestType]] = {}
_version: list[tuple[str, float]] = []  # the shared token as this process last read it, and until when


def catalogue_version() -> str:
    if _version and _version[0][1] > time.monotonic():
        return _version[0][0]
    version = cache.get(VERSION_KEY)
    if version is None:
        fresh = secrets.token_hex(8)
        version = fresh if cache.add(VERSION_KEY, fresh, None) else (cache.get(VERSION_KEY) or fresh)
    _version[:] = [(version, time.monotonic() + VERSION_SECONDS)]
    return version


def catalogue_changed(**_signal: Any) -> None:
    version = secrets.token_hex(8)
    cache.set(VERSION_KEY, version, None)
    _version[:] = [(version, time.monotonic() + VERSION_SECONDS)]


def active_request_type(slug: str) -> RequestType | None:
    """The active type of this slug, ready for its form (fields in order), or None."""
    version = catalogue_version()
    kept = _kept.get(slug)
    if kept is not None and kept[0] == version and kept[1] > time.monotonic():
        return kept[2]
    request_type = (
        RequestType.objects.active()
        .select_related("service", "theme", "priority")
        .prefetch_related("fields")
        .filter(slug=slug)
        .first()
    )
    if request_type is not None:
        _kept[slug] = (version, time.monotonic() + KEEP_SECONDS, request_type)
    return request_type


def forget() -> None:
    """This process drops what it kept (tests; the version alone is enough in production)."""
    _kept.clear()
    _version.clear()
