"""« Carte » of the inbox (issue 17): the page, and its GeoJSON filtered like the list."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice import inbox, inbox_map
from guichet.backoffice.forms import InboxFilterForm
from guichet.backoffice.guards import agent_required
from guichet.backoffice.views.inbox import filter_query
from guichet.tickets.models import Ticket


def _filtered(request: SignedInRequest) -> QuerySet[Ticket]:
    view = request.GET.get("vue", inbox.DEFAULT_VIEW)
    if view not in inbox.views_for(request.user):
        view = inbox.DEFAULT_VIEW
    filters = inbox.resolve_near(request.user, InboxFilterForm(request.GET).filters())
    return inbox.apply_filters(inbox.view_queryset(request.user, view), filters)


@require_GET
@agent_required
def map_page(request: SignedInRequest) -> HttpResponse:
    context = {
        "query_string": filter_query(request).urlencode(),
        "tiles_url": settings.GUICHET_MAP_TILES_URL,
        "attribution": settings.GUICHET_MAP_ATTRIBUTION,
        "center": settings.GUICHET_MAP_CENTER,
    }
    return render(request, "backoffice/inbox_map.html", context)


@require_GET
@agent_required
def map_points(request: SignedInRequest) -> HttpResponse:
    box = inbox_map.parse_box(request.GET.get("bbox", ""))
    return JsonResponse(inbox_map.features(_filtered(request), box))
