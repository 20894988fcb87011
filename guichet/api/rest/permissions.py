"""Scopes: what a key may do. Which tickets it may do it on is the back office's rule (tickets.permissions)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied

from guichet.api.models import AGENT_SCOPES, ApiKey, Scope
from guichet.organisation.roles import agent_of

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def required_scope(request: "Request", view: "APIView") -> str | None:
    if request.method in permissions.SAFE_METHODS:
        return getattr(view, "read_scope", None)
    return getattr(view, "write_scope", None)


class HasScope(permissions.BasePermission):
    """A key needs the view's scope (``read_scope`` for GET, ``write_scope`` otherwise).

    Ticket scopes act as an agent: the key's user (or the session's) must be an active agent. An
    agent's own session carries every scope: it is the agent at their desk.
    """

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        if request.method == "OPTIONS" or not hasattr(view, (request.method or "").lower()):
            return True  # the view answers 405 Method Not Allowed (OPTIONS too: the schema describes the API)
        scope = required_scope(request, view)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is None and not request.user.is_authenticated:
            return False  # DRF answers 401 with WWW-Authenticate
        if key is not None and (scope is None or not key.has_scope(scope)):
            raise PermissionDenied(
                _("Cette clé n'a pas le droit « %(scope)s ».") % {"scope": scope or "?"}, code="missing_scope"
            )
        if (key is None or scope in AGENT_SCOPES) and agent_of(request.user) is None:
            raise PermissionDenied(_("Ce compte n'est pas celui d'un agent de la mairie."), code="not_an_agent")
        return True


__all__ = ["HasScope", "Scope", "required_scope"]
