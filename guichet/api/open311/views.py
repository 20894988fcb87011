"""Open311 GeoReport v2, read-only part: discovery, service list, service definitions."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from guichet.api.open311.formats import JSON, XML, error, respond
from guichet.api.open311.payloads import stamp
from guichet.catalogue.models import Field, FieldKind, RequestType
from guichet.organisation.models import Commune

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DATATYPES: dict[str, str] = {
    FieldKind.SHORT_TEXT: "string",
    FieldKind.EMAIL: "string",
    FieldKind.PHONE: "string",
    FieldKind.NUMBER: "number",
    FieldKind.DATE: "datetime",
    FieldKind.LONG_TEXT: "text",
    FieldKind.ADDRESS: "text",
    FieldKind.CHOICE: "singlevaluelist",
    FieldKind.MULTIPLE_CHOICE: "multivaluelist",
}  # file fields are not attributes: Open311 sends media separately


def open311_request_types():
    """What partners can submit: active request types that need no citizen account nor household member."""
    return RequestType.objects.active().open_to_anyone()


def param(request: HttpRequest, name: str) -> str:
    """A parameter from the body (POST) or the query string; blank counts as absent."""
    value = request.POST.get(name, "") if request.method == "POST" else ""
    return (value or request.GET.get(name, "")).strip()


def allow(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Any other method is a 405 in the spec's error format, with ``Allow`` (GET implies HEAD).

    Checked before CSRF: these endpoints read or authenticate by API key, never by a browser session, so a
    stray POST gets its 405 (or its answer), not Django's HTML CSRF page.
    """
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                message = _("Méthode %(method)s non acceptée ici : %(allowed)s.") % {
                    "method": request.method,
                    "allowed": ", ".join(sorted(allowed)),
                }
                response = error(fmt if fmt in {XML, JSON} else XML, 405, message)
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            return view(request, *args, fmt=fmt, **kwargs)

        return csrf_exempt(wrapper)

    return decorator


def _has_nul(request: HttpRequest) -> bool:
    """A NUL character, which no parameter needs and PostgreSQL refuses even in a comparison."""
    sources = (request.GET, request.POST) if request.method == "POST" else (request.GET,)
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for source in sources
        for name, values in source.lists()
    )


def open311(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The format suffix, no NUL in any parameter, and the jurisdiction check (an empty parameter counts as absent)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in {XML, JSON}:
            return error(XML, 404, _("Format inconnu : utilisez .xml ou .json"))
        if _has_nul(request):
            return error(fmt, 400, _("Paramètre invalide : le caractère nul (\\0) n'est pas accepté."))
        jurisdiction = param(request, "jurisdiction_id")
        expected = settings.OPEN311_JURISDICTION_ID
        if jurisdiction and expected and jurisdiction != expected:
            return error(fmt, 404, _("jurisdiction_id inconnu : %(id)s") % {"id": jurisdiction})
        return view(request, *args, fmt=fmt, **kwargs)

    return wrapper


@allow("GET")
@open311
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    commune = Commune.current()
    changeset = stamp(RequestType.objects.aggregate(latest=Max("updated_at"))["latest"] or timezone.now())
    base = settings.SITE_URL + reverse("open311:services", kwargs={"fmt": XML}).rsplit("/", 1)[0]
    payload = {
        "changeset": changeset,
        "contact": f"{commune.name} {commune.email}".strip(),
        "key_service": _("Clés d'API délivrées par la mairie sur demande : %(email)s") % {"email": commune.email},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, payload, root="discovery", item_tags={"endpoints": "endpoint", "formats": "format"})


def _service(request_type: RequestType) -> dict[str, Any]:
    return {
        "service_code": request_type.slug,
        "service_name": request_type.name,
        "description": request_type.description,
        "metadata": any(field.kind in DATATYPES for field in request_type.fields.all()),
        "type": "realtime",
        "keywords": "",
        "group": request_type.theme.name,
    }


@allow("GET")
@open311
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    request_types = open311_request_types().select_related("theme").prefetch_related("fields").order_by("name")
    return respond(fmt, [_service(rt) for rt in request_types], root="services", item="service")


def _datatype_description(field: Field) -> str:
    """The field's help, or how Guichet reads the value when that is not obvious from the datatype."""
    if field.help_text:
        return field.help_text
    if field.kind == FieldKind.ADDRESS:
        return _("Voie, code postal et commune, par exemple : 12 rue de la Paix, 75002 Paris")
    if field.kind == FieldKind.DATE:
        return _("Une date ou une date et heure ISO 8601, par exemple : 2026-11-28")
    return ""


def _attribute(field: Field, order: int) -> dict[str, Any]:
    attribute = {
        "variable": True,
        "code": field.code,
        "datatype": DATATYPES[field.kind],
        "required": field.required,
        "datatype_description": _datatype_description(field),
        "order": order,
        "description": field.label,
    }
    if field.kind in {FieldKind.CHOICE, FieldKind.MULTIPLE_CHOICE}:
        attribute["values"] = [{"key": choice, "name": choice} for choice in field.choice_list]
    return attribute


@allow("GET")
@open311
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    request_type = open311_request_types().filter(slug=service_code).prefetch_related("fields").first()
    if request_type is None:
        return error(fmt, 404, _("service_code inconnu : %(code)s") % {"code": service_code})
    fields = [field for field in request_type.fields.all() if field.kind in DATATYPES]
    payload = {
        "service_code": request_type.slug,
        "attributes": [_attribute(field, order) for order, field in enumerate(fields, start=1)],
    }
    return respond(fmt, payload, root="service_definition", item_tags={"attributes": "attribute", "values": "value"})


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /open311/v2/ is a 404 in the spec's error format, not the site's HTML page."""
    fmt = JSON if path.endswith(".json") else XML
    return error(fmt, 404, _("Adresse Open311 inconnue : voir discovery.xml"))
