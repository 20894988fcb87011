"""Secret tokens that are stored only as hashes and compared in constant time."""

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    # Tokens carry 128 (SMS) or 256 random bits, so a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)
