"""« Doublons probables » on the ticket page, merging a duplicate into the kept ticket, and undoing it (issue 17).

Merging acts on two tickets: the agent must be allowed to change the status of both (``permissions.can``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required, get_ticket_for_agent
from guichet.lib import references
from guichet.tickets import nearby, services
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.models import Ticket
from guichet.tickets.permissions import Action, can

PANEL_SIZE = 5


def likely_duplicates(request: SignedInRequest, ticket: Ticket) -> list[nearby.Nearby]:
    """The ticket page's panel: open located tickets near this open one, best first, those the agent may see."""
    if ticket.latitude is None or ticket.longitude is None or not ticket.is_open:
        return []
    found = nearby.nearby_tickets(
        probe=nearby.probe_of(ticket), request_type=ticket.request_type, exclude_id=ticket.pk, limit=PANEL_SIZE
    )
    return [item for item in found if can(request.user, Action.VIEW, item.ticket)]


def _ticket_to_change(request: SignedInRequest, reference: str) -> Ticket:
    return get_ticket_for_agent(request, references.normalise(reference) or reference, Action.CHANGE_STATUS)


@require_POST
@agent_required
def merge(request: SignedInRequest, reference: str) -> HttpResponse:
    """Close this ticket as a duplicate of ``kept`` (a reference)."""
    duplicate = _ticket_to_change(request, reference)
    try:
        kept = _ticket_to_change(request, request.POST.get("kept", ""))
    except Http404:
        messages.error(request, _("Vous ne pouvez pas agir sur la demande conservée, ou elle n’existe pas."))
        return redirect("backoffice:ticket", reference=duplicate.reference)
    try:
        services.ticket_merge(duplicate=duplicate, kept=kept, actor=request.user)
    except TicketActionError as error:
        messages.error(request, error.message)
        return redirect("backoffice:ticket", reference=duplicate.reference)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:ticket", reference=duplicate.reference)
    messages.success(
        request,
        _("Demande fusionnée dans la demande %(reference)s ; son usager la suit désormais.")
        % {"reference": kept.reference_display},
    )
    return redirect("backoffice:ticket", reference=kept.reference)


@require_POST
@agent_required
def merge_undo(request: SignedInRequest, reference: str) -> HttpResponse:
    duplicate = _ticket_to_change(request, reference)
    if duplicate.duplicate_of is None or not can(request.user, Action.CHANGE_STATUS, duplicate.duplicate_of):
        raise Http404
    try:
        services.ticket_merge_undo(duplicate=duplicate, actor=request.user)
    except TicketActionError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Fusion annulée : la demande est de nouveau en cours."))
    return redirect("backoffice:ticket", reference=duplicate.reference)
