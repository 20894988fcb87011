"""Who may reuse a form's submission key: only the browser session that sent it first.

The key makes a double click or a re-POST return the ticket already created. Someone else holding the
same page (a shared computer, a saved or forwarded form) must not get that ticket, and its personal data,
by sending the key again with other contact details.
"""

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


def submission_allowed(request: HttpRequest, key: uuid.UUID) -> bool:
    """True for a new key (now claimed by this session), or a key this session already sent."""
    submitter_prepare(request)
    submitter = request.session[SESSION_KEY]
    claim = f"guichet:submission:{key}"
    existing = Ticket.objects.filter(submission_key=key).first()
    if existing is not None:
        return grants.has_access(request, existing) or cache.get(claim) == submitter
    return cache.add(claim, submitter, CLAIM_SECONDS) or cache.get(claim) == submitter
