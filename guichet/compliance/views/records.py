"""The data protection officer's pages: the register of processing activities and the access log."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import role_required
from guichet.compliance.accessibility import audit_outdated
from guichet.compliance.forms import AccessLogForm
from guichet.compliance.models import PersonalDataAccess
from guichet.compliance.register import processing_register, register_csv
from guichet.compliance.selectors import AccessLogFilter, access_log_search
from guichet.organisation.models import Commune
from guichet.organisation.roles import may_read_access_log, may_read_processing_register

FORBIDDEN = "compliance/forbidden.html"
PAGE_SIZE = 50


@require_GET
@role_required(may_read_processing_register, FORBIDDEN)
def register(request: SignedInRequest) -> HttpResponse:
    commune = Commune.current()
    context = {"activities": processing_register(), "audit_outdated": audit_outdated(commune)}
    return render(request, "compliance/register.html", context)


@require_GET
@role_required(may_read_processing_register, FORBIDDEN)
def register_export(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(register_csv(processing_register()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="registre-des-traitements.csv"'
    return response


@require_GET
@role_required(may_read_access_log, FORBIDDEN)
def access_log(request: SignedInRequest) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    form = AccessLogForm(params or None)
    status = 200
    if not form.is_bound:
        entries = access_log_search(AccessLogFilter())
    elif form.is_valid():
        entries = access_log_search(form.filters())
    else:  # the filters and their messages are shown again, as typed
        entries, status = PersonalDataAccess.objects.none(), 400
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query_string": params.urlencode()}
    return render(request, "compliance/access_log.html", context, status=status)
