from django.http import HttpRequest, HttpResponse, QueryDict
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
# The « à proximité » filter's places: its radius means nothing without one of them.
NEAR_PARAMETERS = frozenset({"pres_de", "lat", "lon"})


def _redirect_to_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    url = reverse("backoffice:ticket", args=[reference])
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def filter_query(request: HttpRequest, *, keep_page: bool = False, view: str | None = None) -> QueryDict:
    """The inbox's filters as the URL should carry them: no empty parameter (a GET form sends every field),
    no radius without a place to measure it from; the page only for the page itself."""
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if kept := [value for value in values if value.strip()]:
            query.setlist(key, kept)
    if not NEAR_PARAMETERS & set(query):
        query.pop("rayon", None)
    if not keep_page:
        query.pop("page", None)
    if view is not None:
        query["vue"] = view
    return query


@agent_required
def inbox_view(request: SignedInRequest) -> HttpResponse:
    clean = filter_query(request, keep_page=True).urlencode()
    clean_url = f"{request.path}?{clean}" if clean else request.path
    if clean != request.GET.urlencode() and not wants_partial(request):
        return redirect(clean_url)  # the address bar, bookmarks and the history keep the filters that matter
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
        response = render(request, "backoffice/_inbox_results.html", results)
        response["HX-Push-Url"] = clean_url  # htmx would push the form's every field
        return response
    counts = inbox.view_counts(request.user, views)
    context = {
        "views": [(key, label, counts[key]) for key, label in views.items()],
        "current_view": view,
        "form": form,
        **results,
        "filters_active": any(k for k in request.GET if k not in {"vue", "page"}),  # empty ones left above
        "map_query": _query(request, view=view),
    }
    return render(request, "backoffice/inbox.html", context)


def _query(request: HttpRequest, view: str | None = None) -> str:
    """The filters of this page, for the pagination links (and the map's, with the view actually shown)."""
    return filter_query(request, view=view).urlencode()
