"""Issuing, checking and revoking API keys.

A key reads ``<prefix>.<secret>``: the prefix (public, unique) finds the row, the secret (256 random bits)
is compared with its stored SHA-256 in constant time. The raw key exists only in the return value of
``api_key_create``.
"""

import datetime
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from guichet.accounts.models import User
from guichet.api.models import ApiKey
from guichet.lib.tokens import new_token, token_hash, token_matches

# Writing last_used_at on every call would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def _new_prefix() -> str:
    return secrets.token_hex(4)


def api_key_create(*, name: str, owner: str, scopes: list[str], user: User | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, which is never stored."""
    secret = new_token(32)
    key = ApiKey(name=name, owner=owner, scopes=sorted(set(scopes)), user=user, secret_hash=token_hash(secret))
    key.full_clean(exclude=["prefix", "secret_hash"])
    with transaction.atomic():
        prefix = _new_prefix()
        while ApiKey.objects.filter(prefix=prefix).exists():
            prefix = _new_prefix()
        key.prefix = prefix
        key.save()
    return key, f"{prefix}.{secret}"


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The usable key matching ``raw``, or None (unknown, malformed, wrong secret or revoked)."""
    prefix, dot, secret = (raw or "").strip().partition(".")
    if not dot or not prefix or not secret or len(prefix) > 12:
        return None
    key = ApiKey.objects.usable().select_related("user").filter(prefix=prefix).first()
    if key is None or not token_matches(secret, key.secret_hash):
        return None
    if key.user is not None and not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_keys_revoke(keys: QuerySet[ApiKey]) -> int:
    """Revoke the keys not revoked yet; how many were."""
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_revoke(key: ApiKey) -> None:
    if api_keys_revoke(ApiKey.objects.filter(pk=key.pk)):
        key.revoked_at = ApiKey.objects.values_list("revoked_at", flat=True).get(pk=key.pk)
