"""Rate limits on public endpoints, per client address, in the shared cache.

Lookups count only failures (unknown reference, bad token): a citizen reloading their own
page is never blocked, while guessing references or tokens is cut short.
"""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited


def lookups_blocked(request: HttpRequest) -> bool:
    return is_ratelimited(request, group="lookup", key="ip", rate=settings.GUICHET_LOOKUP_RATE, increment=False)


def lookup_failed(request: HttpRequest) -> None:
    is_ratelimited(request, group="lookup", key="ip", rate=settings.GUICHET_LOOKUP_RATE, increment=True)


def submission_blocked(request: HttpRequest) -> bool:
    """Counts every submission attempt (valid or not)."""
    return is_ratelimited(request, group="submit", key="ip", rate=settings.GUICHET_SUBMIT_RATE, increment=True)


def access_code_without_proof_blocked(request: HttpRequest) -> bool:
    """Access-code requests without a proof of work (no JavaScript) get a stricter limit per address."""
    rate = settings.GUICHET_ACCESS_CODE_NOPROOF_RATE
    return is_ratelimited(request, group="code-no-proof", key="ip", rate=rate, increment=True)


def nearby_blocked(request: HttpRequest) -> bool:
    """The request form's nearby panel: every call counts (it reads the database)."""
    return is_ratelimited(request, group="nearby", key="ip", rate=settings.GUICHET_NEARBY_RATE, increment=True)


def public_photo_blocked(request: HttpRequest) -> bool:
    """Thumbnails of published photos: every call counts (it may decode an image)."""
    rate = settings.GUICHET_PUBLIC_PHOTO_RATE
    return is_ratelimited(request, group="public-photo", key="ip", rate=rate, increment=True)
