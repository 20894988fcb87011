"""The mail room's pages: its own agents, supervisors and administrators (``organisation.roles``). Others get a 403."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from guichet.backoffice.guards import agent_required
from guichet.mailroom.models import MailItem
from guichet.organisation.roles import is_supervisor, may_use_mail_room


def _require(check: Callable[..., bool]) -> Callable:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @agent_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not check(request.user):
                return render(request, "mailroom/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


mail_room_required = _require(may_use_mail_room)
supervisor_required = _require(is_supervisor)


def get_item(public_id: str) -> MailItem:
    item = MailItem.objects.select_related("ticket", "parent", "qualified_by").filter(public_id=public_id).first()
    if item is None:
        raise Http404
    return item
