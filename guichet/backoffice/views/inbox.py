from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice import inbox
from guichet.backoffice.forms import InboxFilterForm
from guichet.backoffice.guards import agent_required
from guichet.backoffice.paging import IdsFirstPaginator
from guichet.compliance.access_log import access_list
from guichet.compliance.models import AccessObject
from guichet.lib.htmx import wants_partial
from guichet.organisation.roles import may_export_citizen_data

PAGE_SIZE = 25


def _redirect_to_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    url = reverse("backoffice:ticket", args=[reference])
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


@agent_required
def inbox_view(request: SignedInRequest) -> HttpResponse:
    views = inbox.views_for(request.user)
    view = request.GET.get("vue", inbox.DEFAULT_VIEW)
    if view not in views:
        view = inbox.DEFAULT_VIEW
    form = InboxFilterForm(request.GET)
    filters = inbox.resolve_near(request.user, form.filters())
    if filters.search and (ticket := inbox.ticket_for_reference_search(request.user, filters.search)):
        return _redirect_to_ticket(request, ticket.reference)
    queryset = inbox.apply_filters(inbox.view_queryset(request.user, view), filters)
    paginator = IdsFirstPaginator(queryset, PAGE_SIZE, load=inbox.inbox_page_queryset)
    page = paginator.get_page(request.GET.get("page"))
    access_list(request, AccessObject.TICKET, [ticket.reference for ticket in page.object_list])
    results = {
        "page": page,
        "query_string": _query(request),
        "may_export_citizens": may_export_citizen_data(request.user),
    }
    if wants_partial(request):  # the fragment shows neither the views nor their counts
        return render(request, "backoffice/_inbox_results.html", results)
    counts = inbox.view_counts(request.user, views)
    context = {
        "views": [(key, label, counts[key]) for key, label in views.items()],
        "current_view": view,
        "form": form,
        **results,
        "filters_active": any(k for k in request.GET if k not in {"vue", "page"}),
        "map_query": _query(request, view=view),
    }
    return render(request, "backoffice/inbox.html", context)


def _query(request: HttpRequest, view: str | None = None) -> str:
    """The filters of this page, for the pagination links (and the map's, with the view actually shown)."""
    query = request.GET.copy()
    query.pop("page", None)
    if view is not None:
        query["vue"] = view
    return query.urlencode()
