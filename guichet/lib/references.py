"""Ticket references: 8 random Crockford base32 symbols plus Crockford's mod-37 check symbol.

Crockford's check alphabet adds five symbols (``*~$=U``) for the values 32 to 36. Those are
awkward to read over the phone or type in an SMS, so generation simply draws again when the
check would fall there: every reference uses the 32 plain symbols only, and validation is the
unmodified Crockford algorithm (any single wrong symbol or swap of adjacent symbols is caught).
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
PAYLOAD_LENGTH = 8
LENGTH = PAYLOAD_LENGTH + 1
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·/]+")


def _value(payload: str) -> int:
    value = 0
    for symbol in payload:
        value = value * 32 + ALPHABET.index(symbol)
    return value


def check_symbol(payload: str) -> str:
    return CHECK_ALPHABET[_value(payload) % 37]


def generate() -> str:
    """A new random reference in canonical form (9 symbols, no separators)."""
    while True:
        payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
        check = check_symbol(payload)
        if check in ALPHABET:
            return payload + check


def normalise(raw: str) -> str | None:
    """The canonical reference for what someone typed, or None if it cannot be one.

    Accepts any case, spaces, dashes and dots, and the O/0, I/L/1 confusions.
    """
    cleaned = _SEPARATORS.sub("", raw or "").upper().translate(_CONFUSABLE)
    if len(cleaned) != LENGTH:
        return None
    payload, check = cleaned[:PAYLOAD_LENGTH], cleaned[PAYLOAD_LENGTH:]
    if any(symbol not in ALPHABET for symbol in payload):
        return None
    if check != check_symbol(payload):
        return None
    return cleaned


def display(reference: str) -> str:
    """Grouped by three for reading aloud: ``K7Q-2M9-XDH``."""
    return "-".join(reference[i : i + 3] for i in range(0, len(reference), 3))
