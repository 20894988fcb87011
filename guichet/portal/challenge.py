"""A proof-of-work challenge for forms that cost the town hall money (access codes by SMS or email).

The server hands out a signed, timestamped random challenge; the browser (static/js/proof-of-work.js)
looks for a nonce such that SHA-256(challenge + nonce) starts with GUICHET_ACCESS_CODE_POW_BITS zero bits,
about 2^bits hashes: a second for a person, a real cost for a script sending thousands. Each challenge
is accepted once (the shared cache remembers it until it expires). No third party is involved.
"""

import enum
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "guichet.portal.challenge"
MAX_AGE_SECONDS = 60 * 60  # a page left open for an hour still works; older ones fall back to the no-proof path
MAX_NONCE_LENGTH = 20


class Proof(enum.Enum):
    VALID = "valid"
    MISSING = "missing"  # no JavaScript, or a challenge too old: the stricter no-proof limit applies
    INVALID = "invalid"  # forged, wrong, or replayed: refused


def challenge_issue() -> str:
    return signing.dumps({"r": secrets.token_hex(16), "b": settings.GUICHET_ACCESS_CODE_POW_BITS}, salt=SALT)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def solve(challenge: str, bits: int) -> str:
    """What the browser does, for tests and for the command line."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def proof_check(*, challenge: str, nonce: str) -> Proof:
    if not challenge and not nonce:
        return Proof.MISSING
    try:
        payload = signing.loads(challenge, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return Proof.MISSING
    except signing.BadSignature:
        return Proof.INVALID
    if not nonce:
        return Proof.MISSING  # the page's script did not finish (or did not run)
    bits = max(int(payload.get("b", 0)), settings.GUICHET_ACCESS_CODE_POW_BITS)
    if len(nonce) > MAX_NONCE_LENGTH or not nonce.isdigit():
        return Proof.INVALID
    if leading_zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) < bits:
        return Proof.INVALID
    # Spent once: the first request to show it wins (add is atomic in the shared cache).
    spent = "guichet:pow:" + hashlib.sha256(challenge.encode()).hexdigest()
    return Proof.VALID if cache.add(spent, 1, MAX_AGE_SECONDS + 60) else Proof.INVALID
