"""Who may see a ticket's dashboard on the portal: a session that opened its personal link or
entered a one-time code, or the signed-in citizen account that owns the ticket.
"""

from django.http import HttpRequest

from guichet.tickets.models import Ticket

SESSION_KEY = "guichet_tickets"
MAX_TICKETS_PER_SESSION = 50


def grant(request: HttpRequest, ticket: Ticket) -> None:
    granted = [ref for ref in request.session.get(SESSION_KEY, []) if ref != ticket.reference]
    granted.append(ticket.reference)
    request.session[SESSION_KEY] = granted[-MAX_TICKETS_PER_SESSION:]


def has_access(request: HttpRequest, ticket: Ticket) -> bool:
    return has_access_to_reference(request, ticket.reference) or is_owner(request, ticket)


def is_owner(request: HttpRequest, ticket: Ticket) -> bool:
    """The signed-in account's citizen record is the ticket's (whatever channel the ticket came through)."""
    if ticket.citizen is None or not request.user.is_authenticated:
        return False
    return ticket.citizen.user_id == request.user.pk


def has_access_to_reference(request: HttpRequest, reference: str) -> bool:
    return reference in request.session.get(SESSION_KEY, [])
