"""Issue 17 on the agent's ticket page: correcting the place of a request, and publishing its photos.

Both need the right to act on the ticket (``Action.CHANGE_PLACE``, ``Action.PUBLISH_PHOTO``: the ticket's
service, a supervisor, or the front desk on what it entered); anyone else gets a 404 that reveals nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.forms import PhotoPublishForm, PlaceForm
from guichet.backoffice.guards import agent_required, get_ticket_for_agent
from guichet.compliance.access_log import access_ticket
from guichet.tickets import services
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.models import Attachment, Ticket
from guichet.tickets.permissions import Action


def _initial(ticket: Ticket) -> dict:
    position = ticket.latitude is not None and ticket.longitude is not None
    return {
        "version": ticket.version,
        "location_address": ticket.address_label,
        "location_lat": f"{ticket.latitude:.6f}" if position else "",
        "location_lon": f"{ticket.longitude:.6f}" if position else "",
    }


@require_http_methods(["GET", "POST"])
@agent_required
def place_edit(request: SignedInRequest, reference: str) -> HttpResponse:
    """The same address combobox and optional map as the citizen's form; the address alone suffices."""
    ticket = get_ticket_for_agent(request, reference, Action.CHANGE_PLACE)
    mode = ticket.request_type.location_mode or "both"
    if request.method == "GET":
        access_ticket(request, ticket)
        form = PlaceForm(mode=mode, initial=_initial(ticket))
        return render(request, "backoffice/place_edit.html", {"ticket": ticket, "location_form": form})
    form = PlaceForm(request.POST, mode=mode)
    if form.is_valid() and form.place is not None:
        try:
            services.ticket_change_place(
                ticket=ticket, place=form.place, actor=request.user, expected_version=form.cleaned_data["version"]
            )
        except (TicketActionError, ValidationError) as error:
            text = error.message if isinstance(error, TicketActionError) else " ".join(error.messages)
            form.add_error(None, text)
        else:
            messages.success(request, _("Lieu de la demande corrigé."))
            return redirect("backoffice:ticket", reference=ticket.reference)
    elif form.is_valid():
        form.add_error("location_address", _("Indiquez le lieu : une adresse, ou un point placé sur la carte."))
    return render(request, "backoffice/place_edit.html", {"ticket": ticket, "location_form": form}, status=400)


def _photo(request: SignedInRequest, reference: str, public_id: str) -> Attachment:
    ticket = get_ticket_for_agent(request, reference, Action.PUBLISH_PHOTO)
    attachment = Attachment.objects.select_related("ticket").filter(ticket=ticket, public_id=public_id).first()
    if attachment is None:
        raise Http404
    return attachment


@require_POST
@agent_required
def photo_publish(request: SignedInRequest, reference: str, public_id: str) -> HttpResponse:
    attachment = _photo(request, reference, public_id)
    form = PhotoPublishForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["description"]))
        services.attachment_publish(
            attachment=attachment, actor=request.user, description=form.cleaned_data["description"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Photo rendue publique : elle apparaît aux personnes qui signalent à proximité."))
    return redirect("backoffice:ticket", reference=attachment.ticket.reference)


@require_POST
@agent_required
def photo_unpublish(request: SignedInRequest, reference: str, public_id: str) -> HttpResponse:
    attachment = _photo(request, reference, public_id)
    try:
        services.attachment_unpublish(attachment=attachment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Photo retirée de l’affichage public."))
    return redirect("backoffice:ticket", reference=attachment.ticket.reference)
