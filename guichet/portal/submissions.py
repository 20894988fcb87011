"""Who may reuse a form's submission key: only the browser session that sent it first.

The key makes a double click or a re-POST return the ticket already created. Someone else holding the
same page (a shared computer, a saved or forwarded form) must not get that ticket, and its personal data,
by sending the key again with other contact details.
"""

import enum
import secrets
import uuid

from django.core.cache import cache
from django.http import HttpRequest

from guichet.portal import grants
from guichet.tickets.models import Ticket

SESSION_KEY = "guichet_submitter"
# Long enough to cover a double click whose first request has not saved the session yet.
CLAIM_SECONDS = 60 * 60


def submitter_prepare(request: HttpRequest) -> None:
    """Give the browser session its submitter id when it opens a form, before any POST can race."""
    if SESSION_KEY not in request.session:
        request.session[SESSION_KEY] = secrets.token_urlsafe(16)


class Claim(enum.Enum):
    """Who sent a submission key first, as far as the cache remembers (an hour)."""

    NEW = "new"  # nobody: this session claims it now
    MINE = "mine"  # this session, earlier (a double click, a re-POST)
    OTHERS = "others"  # another session: refuse


def submission_claim(request: HttpRequest, key: uuid.UUID) -> Claim:
    """Only the cache is read: a key sent longer ago is caught when its ticket turns out to exist
    (``ticket_create`` returns it with ``replayed`` set) and checked by ``replay_allowed``.
    """
    submitter_prepare(request)
    submitter = request.session[SESSION_KEY]
    claim = f"guichet:submission:{key}"
    if cache.add(claim, submitter, CLAIM_SECONDS):
        return Claim.NEW
    return Claim.MINE if cache.get(claim) == submitter else Claim.OTHERS


def replay_allowed(request: HttpRequest, ticket: Ticket, claim: Claim) -> bool:
    """A key sent again returns its ticket only to the session that sent it (granted, or still racing it).

    A refused session gives back the claim it just took, so the key's own session can still send it again.
    """
    if claim is Claim.MINE or grants.has_access(request, ticket):
        return True
    if claim is Claim.NEW:
        cache.delete(f"guichet:submission:{ticket.submission_key}")
    return False
