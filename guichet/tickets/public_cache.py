"""The public status page of a ticket, kept rendered in the shared cache.

It holds no personal data and is the same for every visitor, so it is rendered once per change:
every write to a ticket goes through tickets.services, which forgets the copy when it commits.
The time limit bounds what can still be stale (the commune's name in the header, the overdue flag
at midnight).
"""

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
    keys = [_key(reference, code) for code, _name in settings.LANGUAGES]
    transaction.on_commit(lambda: cache.delete_many(keys))
