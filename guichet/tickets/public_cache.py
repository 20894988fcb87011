"""The public status page of a ticket, kept rendered in the shared cache.

It holds no personal data and is the same for every visitor, so it is rendered once per change:
every write to a ticket goes through tickets.services, which forgets the copy when it commits.
The time limit bounds what can still be stale (the commune's name in the header, the overdue flag
at midnight).
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TIMEOUT_SECONDS = 60


def _key(reference: str, language: str) -> str:
    return f"guichet:status-page:{language}:{reference}"


def status_page_get(reference: str, language: str) -> str | None:
    return cache.get(_key(reference, language))


def status_page_set(reference: str, language: str, html: str) -> None:
    cache.set(_key(reference, language), html, TIMEOUT_SECONDS)


def status_page_forget(reference: str) -> None:
    status_pages_forget([reference])


def status_pages_forget(references: Iterable[str]) -> None:
    """On commit, in one call to the cache however many tickets changed (a merge moves thousands)."""
    keys = [_key(reference, code) for reference in references for code, _name in settings.LANGUAGES]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))
