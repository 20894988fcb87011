"""Access helpers every back-office view starts with."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from guichet.accounts.requests import SignedInRequest
from guichet.organisation.roles import agent_of
from guichet.tickets.models import Ticket
from guichet.tickets.permissions import Action, can


def agent_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("backoffice:login"))
        if agent_of(request.user) is None:
            return render(request, "backoffice/not_an_agent.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def get_ticket_for_agent(request: SignedInRequest, reference: str, action: str = Action.VIEW) -> Ticket:
    """The ticket if this agent may do ``action`` on it; otherwise a 404 that reveals nothing."""
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related(
            "request_type", "service", "citizen", "assignee", "entered_by", "api_key", "household_member", "priority"
        )
        .filter(reference=reference)
        .first()
    )
    if ticket is None or not can(request.user, action, ticket):
        raise Http404
    return ticket


def role_required(check: Callable[..., bool], forbidden_template: str) -> Callable:
    """``agent_required``, then the role ``check`` (from ``organisation.roles``): others get the 403 page."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @agent_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not check(request.user):
                return render(request, forbidden_template, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
