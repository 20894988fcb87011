"""The request form's nearby panel and « Moi aussi » (issue 17): no account needed, nothing personal shown.

The panel lists open requests of the same type within the type's radius: type, street (no house number),
status, age, and the thumbnail of a photo an agent published (``views/photos.py``), nothing else. « Moi aussi » takes the same contact details as the form and makes the citizen a
follower of that request instead of filing a new one.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.services import account_citizen
from guichet.catalogue.forms import FIELD_PREFIX
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizen_from_contact
from guichet.intake.forms import contact_form_for
from guichet.lib import references
from guichet.portal import throttle
from guichet.portal.views.errors import rate_limited
from guichet.tickets import nearby
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.selectors import published_photos
from guichet.tickets.services import ticket_follow

PANEL_SIZE = 5


def _located_type(slug: str) -> RequestType:
    request_type = get_object_or_404(RequestType.objects.active().select_related("service"), slug=slug)
    if not request_type.location_mode:
        raise Http404
    return request_type


@require_GET
def nearby_panel(request: HttpRequest, slug: str) -> HttpResponse:
    request_type = _located_type(slug)
    if throttle.nearby_blocked(request):
        # htmx swaps only successful answers: the panel must say why it stays empty.
        status = 200 if request.headers.get("HX-Request") else 429
        return render(request, "portal/_nearby.html", {"request_type": request_type, "blocked": True}, status=status)
    point = nearby.coordinates(request.GET.get("location_lat"), request.GET.get("location_lon"))
    items = []
    if point is not None:
        text_codes = request_type.fields.filter(kind__in=sorted(nearby.TEXT_ANSWER_KINDS)).values_list(
            "code", flat=True
        )
        text = " ".join(request.GET.get(FIELD_PREFIX + code, "")[:2000] for code in text_codes)
        probe = nearby.Probe(
            latitude=point[0],
            longitude=point[1],
            request_type_id=request_type.pk,
            service_id=request_type.service_id,
            text=text,
        )
        found = nearby.nearby_tickets(probe=probe, request_type=request_type, same_type_only=True, limit=PANEL_SIZE)
        photos = published_photos([item.ticket.pk for item in found])
        items = [
            {"item": item, "street": nearby.street_of(item.ticket.address_label), "photo": photos.get(item.ticket.pk)}
            for item in found
        ]
    context = {"request_type": request_type, "items": items, "located": point is not None}
    return render(request, "portal/_nearby.html", context)


def _open_located_ticket(request_type: RequestType, reference: str) -> Ticket:
    ticket = (
        Ticket.objects.open()
        .select_related("request_type")
        .filter(reference=references.normalise(reference), request_type=request_type, latitude__isnull=False)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@require_http_methods(["GET", "POST"])
def me_too(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    request_type = _located_type(slug)
    ticket = _open_located_ticket(request_type, reference)
    citizen = account_citizen(request.user) if request.user.is_authenticated else None
    form = contact_form_for(citizen, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if throttle.submission_blocked(request):
            return rate_limited(request)
        if form.is_valid() and not form.is_bot:
            try:
                _follow(ticket, citizen, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("portal:me_too_done", slug=request_type.slug, reference=ticket.reference)
        status = 400
    context = {
        "request_type": request_type,
        "ticket": ticket,
        "street": nearby.street_of(ticket.address_label),
        "photo": published_photos([ticket.pk]).get(ticket.pk),
        "contact_form": form,
    }
    return render(request, "portal/me_too.html", context, status=status)


def _follow(ticket: Ticket, citizen: Citizen | None, contact: dict[str, Any]) -> None:
    """The citizen record as for a submission, and the follow, together or not at all."""
    with transaction.atomic():
        follower = citizen_from_contact(contact, citizen=citizen)
        if follower is None:
            raise ValidationError(_("Indiquez votre nom et une adresse électronique ou un numéro de téléphone."))
        ticket_follow(ticket=ticket, citizen=follower, channel=Channel.WEB)


@require_GET
def me_too_done(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    request_type = _located_type(slug)
    ticket = get_object_or_404(
        Ticket.objects.select_related("request_type"), reference=reference, request_type=request_type
    )
    return render(request, "portal/me_too_done.html", {"request_type": request_type, "ticket": ticket})
