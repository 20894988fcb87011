"""Citizens' access to a ticket's dashboard without an account: personal links and one-time codes.

Secrets are only ever stored hashed. Personal-link tokens carry 256 random bits (plain SHA-256);
one-time codes are six digits, so they are keyed with the SECRET_KEY (HMAC), short-lived, bound
to their ticket and limited in attempts.
"""

from django.utils import timezone

from guichet.lib.tokens import new_token, token_hash, token_matches
from guichet.tickets.models import AccessToken, Ticket


def access_token_issue(*, ticket: Ticket) -> str:
    """A new personal link secret for this ticket; only its hash is kept."""
    token = new_token()
    AccessToken.objects.create(ticket=ticket, token_hash=token_hash(token))
    return token


def access_token_verify(*, ticket: Ticket, token: str) -> bool:
    matched = None
    # Compare against every token of the ticket, in constant time each, without early exit.
    for pk, stored in AccessToken.objects.filter(ticket=ticket).values_list("pk", "token_hash"):
        if token_matches(token, stored):
            matched = pk
    if matched is None:
        return False
    AccessToken.objects.filter(pk=matched).update(last_used_at=timezone.now())
    return True
