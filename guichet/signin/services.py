"""Per-account sign-in locks with a growing delay, and the log of refused attempts.

After GUICHET_SIGNIN_LOCK_AFTER failures on one user name (from any address), the name is locked for
GUICHET_SIGNIN_LOCK_MINUTES, doubling at each new lock up to GUICHET_SIGNIN_LOCK_MAX_MINUTES: never for
good. A success, or a day without failure, starts afresh. Unknown user names are locked the same way,
so a lock tells an attacker nothing about which accounts exist.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from guichet.signin.models import FailureReason, SignInFailure, SignInLock

logger = logging.getLogger("guichet.signin")
FORGET_AFTER = datetime.timedelta(days=1)
# Guesses count toward the lock; a refusal by the directory (no group, deactivated…) is only logged.
COUNTED = frozenset({FailureReason.BAD_PASSWORD, FailureReason.BAD_CODE})


def _key(username: str) -> str:
    return username.strip().casefold()[:150]


def signin_locked_until(*, username: str) -> datetime.datetime | None:
    """When the lock on this user name ends, or None when it may try now."""
    lock = SignInLock.objects.filter(username=_key(username), locked_until__gt=timezone.now()).first()
    return lock.locked_until if lock else None


def _lock_minutes(locks: int) -> int:
    return min(settings.GUICHET_SIGNIN_LOCK_MINUTES * 2**locks, settings.GUICHET_SIGNIN_LOCK_MAX_MINUTES)


def signin_failure_record(*, request: HttpRequest | None, username: str, reason: str) -> None:
    """Log a refused attempt; a wrong password or code also counts toward the account's lock."""
    key = _key(username)
    now = timezone.now()
    user = get_user_model().objects.filter(username__iexact=key).first() if key else None
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    SignInFailure.objects.create(
        username=username[:150], user=user, ip_address=ip, reason=reason, path=request.path[:200] if request else ""
    )
    logger.warning("sign-in refused: user=%r ip=%s reason=%s", key, ip, reason)
    if reason not in COUNTED or not key:
        return
    with transaction.atomic():
        lock, _ = SignInLock.objects.select_for_update().get_or_create(username=key)
        if now - lock.last_failure_at > FORGET_AFTER:
            lock.failures, lock.locks = 0, 0
        lock.failures += 1
        lock.last_failure_at = now
        if lock.failures >= settings.GUICHET_SIGNIN_LOCK_AFTER:
            lock.locked_until = now + datetime.timedelta(minutes=_lock_minutes(lock.locks))
            lock.locks += 1
            lock.failures = 0
            logger.warning("sign-in locked: user=%r until=%s", key, lock.locked_until.isoformat())
        lock.save()


def signin_succeeded(*, username: str) -> None:
    SignInLock.objects.filter(username=_key(username)).delete()
