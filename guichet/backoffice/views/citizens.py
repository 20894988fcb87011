"""The citizen directory: search (also as a fragment for other screens), a citizen's page, merging duplicates.

Every agent may search the directory (reception needs it); a citizen's page lists only the tickets the
agent may see; merging is for supervisors and administrators.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required
from guichet.citizens.models import Citizen
from guichet.citizens.selectors import citizen_possible_duplicates, citizens_search
from guichet.citizens.services import citizens_merge, merge_plan
from guichet.compliance.access_log import access_citizen, access_list
from guichet.compliance.models import AccessObject
from guichet.households.selectors import household_of
from guichet.lib.htmx import wants_partial
from guichet.lib.phones import display_phone
from guichet.organisation.roles import may_answer_data_requests, may_merge_citizens
from guichet.tickets.models import Ticket

SEARCH_LIMIT = 20
PAGE_SIZE = 20
RESULTS_TEMPLATE = "backoffice/citizens/_citizen_results.html"
FIELD_LABELS = {
    "last_name": gettext_lazy("Nom"),
    "first_name": gettext_lazy("Prénom"),
    "phone": gettext_lazy("Téléphone"),
    "email": gettext_lazy("Courriel"),
    "address": gettext_lazy("Adresse"),
    "street": gettext_lazy("Adresse"),
    "postcode": gettext_lazy("Code postal"),
    "city": gettext_lazy("Commune"),
    "preferred_channel": gettext_lazy("Contact préféré"),
    "created_at": gettext_lazy("Fiche créée le"),
}
COMPARED_FIELDS = ("last_name", "first_name", "phone", "email", "address", "preferred_channel", "created_at")


def _search_context(request: SignedInRequest) -> dict:
    query = request.GET.get("q", "").strip()[:100]
    results = citizens_search(query=query, limit=SEARCH_LIMIT) if query else []
    counts: dict[int, int] = dict(
        Ticket.objects.visible_to(request.user)
        .filter(citizen__in=[citizen.pk for citizen in results])
        .values_list("citizen")
        .annotate(count=Count("pk"))
        .order_by()
    )
    access_list(request, AccessObject.CITIZEN, [citizen.public_id for citizen in results])
    for citizen in results:
        citizen.visible_ticket_count = counts.get(citizen.pk, 0)  # type: ignore[attr-defined]  # read by the template
    return {"query": query, "results": results, "limit": SEARCH_LIMIT, "pick": request.GET.get("pick") == "1"}


@require_GET
@agent_required
def directory(request: SignedInRequest) -> HttpResponse:
    template = RESULTS_TEMPLATE if wants_partial(request) else "backoffice/citizens/directory.html"
    return render(request, template, _search_context(request))


@require_GET
@agent_required
def search_results(request: SignedInRequest) -> HttpResponse:
    """Only the results, for screens that embed the search (``?pick=1`` adds a "choose" button per citizen)."""
    return render(request, RESULTS_TEMPLATE, _search_context(request))


def _duplicates_with_reasons(citizen: Citizen) -> list[tuple[Citizen, list[str]]]:
    flagged = []
    for other in citizen_possible_duplicates(citizen):
        reasons = [
            label
            for same, label in (
                (citizen.phone and other.phone == citizen.phone, _("même téléphone")),
                (citizen.email and other.email == citizen.email, _("même courriel")),
            )
            if same
        ]
        flagged.append((other, reasons or [_("nom proche")]))
    return flagged


@require_GET
@agent_required
def citizen_view(request: SignedInRequest, public_id: str) -> HttpResponse:
    citizen = get_object_or_404(Citizen, public_id=public_id)
    access_citizen(request, citizen)
    tickets = (
        Ticket.objects.visible_to(request.user)
        .filter(citizen=citizen)
        .select_related("service")
        .only("reference", "subject", "status", "channel", "created_at", "due_date", "service__name")
        .order_by("-created_at", "-pk")
    )
    context = {
        "citizen": citizen,
        "duplicates": _duplicates_with_reasons(citizen),
        "page": Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_merge": may_merge_citizens(request.user),
        "may_answer_data_requests": may_answer_data_requests(request.user),
        "household": household_of(citizen, include_archived=True),
    }
    return render(request, "backoffice/citizens/citizen.html", context)


@require_http_methods(["GET", "POST"])
@agent_required
def merge(request: SignedInRequest, public_id: str) -> HttpResponse:
    """GET: pick a flagged duplicate and which record to keep, see what moves; POST: merge."""
    if not may_merge_citizens(request.user):
        return render(request, "backoffice/citizens/merge_forbidden.html", status=403)
    citizen = get_object_or_404(Citizen, public_id=public_id)
    params = request.POST if request.method == "POST" else request.GET
    duplicates = citizen_possible_duplicates(citizen)
    other = next((d for d in duplicates if d.public_id == params.get("avec")), None)
    if other is None:
        if request.method == "POST":
            raise Http404
        return render(request, "backoffice/citizens/merge.html", {"citizen": citizen, "duplicates": duplicates})
    keep, gone = (other, citizen) if params.get("garder") == other.public_id else (citizen, other)
    if request.method == "POST":
        try:
            kept = citizens_merge(keep=keep, merge=gone, actor=request.user)
        except Citizen.DoesNotExist:  # the other record was merged or deleted meanwhile
            raise Http404 from None
        except ValidationError as refusal:  # both records have a citizen account
            messages.error(request, " ".join(refusal.messages))
            return redirect("backoffice:citizen", public_id=citizen.public_id)
        messages.success(request, _("Les deux fiches ont été fusionnées."))
        return redirect("backoffice:citizen", public_id=kept.public_id)
    return _merge_preview(request, citizen=citizen, other=other, keep=keep, gone=gone)


def _merge_preview(
    request: HttpRequest, *, citizen: Citizen, other: Citizen, keep: Citizen, gone: Citizen
) -> HttpResponse:
    plan = merge_plan(keep=keep, merge=gone)
    context = {
        "citizen": citizen,
        "other": other,
        "keep": keep,
        "gone": gone,
        "comparison": [(_label(name), _shown(keep, name), _shown(gone, name)) for name in COMPARED_FIELDS],
        "filled": [(_label(name), _display(name, value)) for name, value in plan.filled.items()],
        "discarded": [(_label(name), _display(name, value)) for name, value in plan.discarded.items()],
        "moving": list(Ticket.objects.filter(citizen=gone).select_related("service").order_by("-created_at", "-pk")),
    }
    return render(request, "backoffice/citizens/merge.html", context)


def _label(name: str) -> str:
    return str(FIELD_LABELS[name])


def _display(name: str, value: str) -> str:
    return display_phone(value) if name == "phone" else value


def _shown(citizen: Citizen, name: str) -> str:
    match name:
        case "address":
            return ", ".join(citizen.address_lines)
        case "preferred_channel":
            return citizen.get_preferred_channel_display()
        case "created_at":
            return date_format(timezone.localtime(citizen.created_at), "SHORT_DATE_FORMAT")
        case _:
            return _display(name, getattr(citizen, name))
