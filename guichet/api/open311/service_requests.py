"""Open311 GeoReport v2, service requests: POST (API key), GET list, GET one, and tokens."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from guichet.api.keys import api_key_authenticate
from guichet.api.models import ApiKey, Scope
from guichet.api.open311 import selectors
from guichet.api.open311.formats import error, respond
from guichet.api.open311.forms import read_submission
from guichet.api.open311.payloads import ITEM_TAGS, request_payload
from guichet.api.open311.views import allow, open311, open311_request_types, param
from guichet.intake.channels.api import open311_submit
from guichet.organisation.models import Commune
from guichet.portal import throttle
from guichet.tickets.models import Ticket


def _respond_requests(fmt: str, items: list[dict], status: int = 200) -> HttpResponse:
    return respond(fmt, items, root="service_requests", item="request", item_tags=ITEM_TAGS, status=status)


@allow("GET", "POST")  # partner software authenticates with its API key, not a browser session
@open311
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    try:
        query = selectors.parse_query(request.GET)
    except selectors.QueryError as problem:
        return error(fmt, 400, str(problem))
    tickets = selectors.public_requests(query)
    precision = Commune.current().open311_position
    return _respond_requests(
        fmt, [request_payload(t, extensions=query.extensions, precision=precision) for t in tickets]
    )


def _key_over_limit(request: HttpRequest, key: ApiKey) -> bool:
    """Every POST counts, valid or not, per key (not per address: a partner's servers share one key)."""
    return is_ratelimited(
        request,
        group="open311-post",
        key=lambda group, request: key.prefix,
        rate=settings.OPEN311_POST_RATE,
        increment=True,
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = api_key_authenticate(param(request, "api_key"))
    if key is None or not key.has_scope(Scope.OPEN311_WRITE):
        return error(fmt, 403, _("api_key absente, invalide, révoquée ou sans le droit open311:write."))
    if _key_over_limit(request, key):
        response = error(fmt, 429, _("Trop de demandes avec cette clé : réessayez dans une minute."))
        response["Retry-After"] = "60"
        return response
    service_code = param(request, "service_code")
    if not service_code:
        return error(fmt, 400, _("service_code : ce champ est obligatoire."))
    request_type = open311_request_types().select_related("service").filter(slug=service_code).first()
    if request_type is None:
        return error(fmt, 404, _("service_code inconnu : %(code)s") % {"code": service_code})
    submission = read_submission(request.POST, request.FILES, request_type)
    if submission.errors:
        return respond(
            fmt, [{"code": 400, "description": text} for text in submission.errors], root="errors", item="error",
            status=400,
        )  # fmt: skip
    ticket = open311_submit(
        request_form=submission.request_form,
        api_key=key,
        contact=submission.params.contact,
        extra_answers=submission.extra_answers(),
        uploads=submission.uploads(),
        place=submission.place(),
    )
    created = {
        "service_request_id": ticket.reference_display,
        "service_notice": _notice(ticket),
        "account_id": submission.params.cleaned_data["account_id"] or None,
    }
    return _respond_requests(fmt, [{k: v for k, v in created.items() if v}], status=201)


def _notice(ticket: Ticket) -> str:
    return _("Demande enregistrée sous le numéro %(reference)s. Réponse prévue au plus tard le %(date)s.") % {
        "reference": ticket.reference_display,
        "date": formats.date_format(ticket.due_date, "SHORT_DATE_FORMAT"),
    }


def _lookup(request: HttpRequest, fmt: str, raw: str) -> Ticket | HttpResponse:
    """One public ticket by reference; failures count against the address, as on the tracking page."""
    if throttle.lookups_blocked(request):
        return error(fmt, 429, _("Trop de numéros inconnus demandés : réessayez dans une minute."))
    ticket = selectors.public_request(raw, extensions=param(request, "extensions").lower() == "true")
    if ticket is None:
        throttle.lookup_failed(request)
        return error(fmt, 404, _("Demande introuvable : %(id)s") % {"id": raw})
    return ticket


@allow("GET")
@open311
def service_request(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    ticket = _lookup(request, fmt, service_request_id)
    if isinstance(ticket, HttpResponse):
        return ticket
    extensions = param(request, "extensions").lower() == "true"
    precision = Commune.current().open311_position
    return _respond_requests(fmt, [request_payload(ticket, extensions=extensions, precision=precision)])


@allow("GET")
@open311
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Guichet creates requests in real time and answers POST with the id at once, never with a token.

    A client written for deferred servers may still ask: a request's token is its service_request_id.
    """
    ticket = _lookup(request, fmt, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    return _respond_requests(fmt, [{"service_request_id": ticket.reference_display, "token": token}])
