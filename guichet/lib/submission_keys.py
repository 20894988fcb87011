"""The submission key: a UUID that a form (hidden field) or an API client sends with a new request.

Sending the same request twice (double click, re-POST, network retry) then makes one ticket: the key
is unique on ``Ticket`` and ``tickets.services.ticket_create`` returns the ticket that already has it.
Every channel reads the key with ``parse_submission_key``; what a missing key means is the caller's
choice (the public form refuses to submit, agents' screens draw a new key).
"""

import uuid


def parse_submission_key(raw: object) -> uuid.UUID | None:
    """The key sent, or None when it is absent or not a UUID."""
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


def new_submission_key() -> uuid.UUID:
    """The key a form page carries, to be sent back with the form."""
    return uuid.uuid4()
