"""How every public page that names a ticket finds it: throttled, normalised, neutral when it fails."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.lib import references
from guichet.portal import grants, throttle
from guichet.portal.forms import TrackingForm
from guichet.portal.views.errors import rate_limited
from guichet.tickets import selectors
from guichet.tickets.models import Ticket


def not_found(request: HttpRequest) -> HttpResponse:
    """One neutral answer for unknown references and bad links, counted against the client."""
    throttle.lookup_failed(request)
    return render(request, "portal/not_found.html", {"tracking_form": TrackingForm()}, status=404)


def ticket_for_visitor(raw_reference: str) -> Ticket | None:
    reference = references.normalise(raw_reference)
    return selectors.ticket_by_reference(reference) if reference else None


def with_ticket(*, granted: bool = False) -> Callable:
    """Resolve ``reference`` into the ticket (or answer 429/404); with ``granted``, the session must hold it."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, reference: str, *args, **kwargs) -> HttpResponse:
            if throttle.lookups_blocked(request):
                return rate_limited(request)
            ticket = ticket_for_visitor(reference)
            if ticket is None or (granted and not grants.has_access(request, ticket)):
                return not_found(request)
            return view(request, ticket, *args, **kwargs)

        return wrapper

    return decorator
