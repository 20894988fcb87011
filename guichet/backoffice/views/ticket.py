import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.forms import (
    AssignForm,
    DocumentRequestForm,
    DocumentsReceivedForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)
from guichet.backoffice.guards import agent_required, get_ticket_for_agent
from guichet.backoffice.intake_forms import RelayedMessageForm
from guichet.backoffice.models import ReplyTemplate
from guichet.backoffice.replies import reply_template_render
from guichet.backoffice.views.duplicates import likely_duplicates
from guichet.compliance.access_log import access_attachment, access_ticket
from guichet.tickets import selectors, services
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.files import attachment_response
from guichet.tickets.models import ENDED_STATUSES, Attachment, Event, Message, Ticket
from guichet.tickets.permissions import Action, can

# The time offered by default to send missing documents; the agent changes it as the procedure requires.
DOCUMENTS_DEFAULT_DAYS = 15


def _forms(ticket: Ticket, bound: dict | None = None, reply_body: str = "") -> dict:
    initial = {"version": ticket.version}
    forms = {
        "reply_form": ReplyForm(initial={**initial, "body": reply_body}),
        "note_form": NoteForm(initial=initial),
        "status_form": StatusForm(initial=initial, current=ticket.status),
        "assign_form": AssignForm(initial={**initial, "assignee": ticket.assignee_id}, service=ticket.service),
        "transfer_form": TransferForm(initial=initial, current=ticket.service),
        "priority_form": PriorityForm(initial={**initial, "priority": ticket.priority_id}),
        "relay_form": RelayedMessageForm(initial=initial),
        "documents_form": DocumentRequestForm(
            initial={**initial, "deadline": timezone.localdate() + datetime.timedelta(days=DOCUMENTS_DEFAULT_DAYS)}
        ),
        "received_form": DocumentsReceivedForm(initial={**initial, "received_on": timezone.localdate()}),
    }
    forms.update(bound or {})
    return forms


def _render_ticket(request: SignedInRequest, ticket: Ticket, status: int = 200, **bound) -> HttpResponse:
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk"))
    templates = list(ReplyTemplate.objects.for_service(ticket.service))
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("modele")), None)
    reply_body = reply_template_render(template=chosen, ticket=ticket, agent=request.user) if chosen else ""
    context = {
        "reply_templates": templates,
        "chosen_template": chosen,
        "ticket": ticket,
        "thread": Message.objects.filter(ticket=ticket).select_related("author").prefetch_related(attachments),
        "events": Event.objects.filter(ticket=ticket).select_related("actor"),
        "form_attachments": Attachment.objects.filter(ticket=ticket, message__isnull=True).select_related(
            "published_by"
        ),
        "allowed": {action: can(request.user, action, ticket) for action in Action},
        "document_request": selectors.open_document_request(ticket),
        "likely_duplicates": likely_duplicates(request, ticket),
        "people_affected": selectors.people_affected_counts(ticket),
        **_forms(ticket, bound, reply_body),
    }
    return render(request, "backoffice/ticket.html", context, status=status)


@require_GET
@agent_required
def ticket_view(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference)
    access_ticket(request, ticket)
    return _render_ticket(request, ticket)


def _act(request: SignedInRequest, ticket: Ticket, form_name: str, form, action) -> HttpResponse:
    """Validate, call the service, and answer in French whatever happens (PRG on success)."""
    if not form.is_valid():
        return _render_ticket(request, ticket, status=400, **{form_name: form})
    try:
        success = action(form.cleaned_data)
    except (TicketActionError, ValidationError) as error:
        text = error.message if isinstance(error, TicketActionError) else " ".join(error.messages)
        messages.error(request, text)
        ticket.refresh_from_db()
        return _render_ticket(request, ticket, status=409, **{form_name: form})
    messages.success(request, success)
    ticket.refresh_from_db()
    if not can(request.user, Action.VIEW, ticket):
        return redirect("backoffice:inbox")  # e.g. transferred to a service this agent does not see
    return redirect("backoffice:ticket", reference=ticket.reference)


@require_POST
@agent_required
def reply(request: SignedInRequest, reference: str) -> HttpResponse:
    return _post_message(request, reference, internal=False)


@require_POST
@agent_required
def note(request: SignedInRequest, reference: str) -> HttpResponse:
    return _post_message(request, reference, internal=True)


def _post_message(request: SignedInRequest, reference: str, *, internal: bool) -> HttpResponse:
    """A reply to the citizen, or an internal note: the same service, a different right and form."""
    ticket = get_ticket_for_agent(request, reference, Action.NOTE if internal else Action.REPLY)
    form = (NoteForm if internal else ReplyForm)(request.POST, request.FILES)

    def do(data: dict) -> str:
        services.message_post_by_agent(
            ticket=ticket,
            agent=request.user,
            body=data["body"],
            uploads=data["files"],
            internal=internal,
            new_status=None if internal else data["then"] or None,
            expected_version=data["version"],
        )
        return _("Note interne ajoutée.") if internal else _("Votre réponse est envoyée à l'usager.")

    return _act(request, ticket, "note_form" if internal else "reply_form", form, do)


@require_POST
@agent_required
def change_status(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.CHANGE_STATUS)

    def do(data: dict) -> str:
        outcome = None
        if data["status"] in ENDED_STATUSES:
            outcome = services.outcome_for(
                ticket=ticket,
                kind=data["outcome"],
                competent_body=data["competent_body"],
                duplicate_reference=data["duplicate_reference"],
            )
        services.ticket_change_status(
            ticket=ticket,
            to_status=data["status"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
            outcome=outcome,
        )
        return _("Statut modifié.")

    return _act(request, ticket, "status_form", StatusForm(request.POST, current=ticket.status), do)


@require_POST
@agent_required
def assign(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.ASSIGN)

    def do(data: dict) -> str:
        services.ticket_assign(
            ticket=ticket, assignee=data["assignee"], actor=request.user, expected_version=data["version"]
        )
        return _("Attribution enregistrée.")

    return _act(request, ticket, "assign_form", AssignForm(request.POST, service=ticket.service), do)


@require_POST
@agent_required
def assign_to_me(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.ASSIGN)
    form = AssignForm({"version": request.POST.get("version"), "assignee": request.user.pk}, service=ticket.service)

    def do(data: dict) -> str:
        services.ticket_assign(
            ticket=ticket, assignee=request.user, actor=request.user, expected_version=data["version"]
        )
        return _("Vous êtes en charge de cette demande.")

    return _act(request, ticket, "assign_form", form, do)


@require_POST
@agent_required
def transfer(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.TRANSFER)

    def do(data: dict) -> str:
        services.ticket_transfer(
            ticket=ticket,
            service=data["service"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return _("Demande transférée au service « %(service)s ».") % {"service": data["service"].name}

    return _act(request, ticket, "transfer_form", TransferForm(request.POST, current=ticket.service), do)


@require_POST
@agent_required
def change_priority(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.CHANGE_PRIORITY)

    def do(data: dict) -> str:
        services.ticket_change_priority(
            ticket=ticket, priority=data["priority"], actor=request.user, expected_version=data["version"]
        )
        return _("Priorité « %(name)s » : les objectifs de la demande sont recalculés.") % {
            "name": data["priority"].name
        }

    return _act(request, ticket, "priority_form", PriorityForm(request.POST), do)


@require_GET
@agent_required
def attachment(request: SignedInRequest, reference: str, public_id: str) -> HttpResponseBase:
    ticket = get_ticket_for_agent(request, reference)
    item = Attachment.objects.filter(ticket=ticket, public_id=public_id).first()
    if item is None:
        raise Http404
    access_attachment(request, ticket, item.public_id)
    return attachment_response(item)


@require_POST
@agent_required
def documents_request(request: SignedInRequest, reference: str) -> HttpResponse:
    """« Demander des pièces manquantes » (CRPA L114-5): the list, the time allowed; the clock is suspended."""
    ticket = get_ticket_for_agent(request, reference, Action.REPLY)

    def do(data: dict) -> str:
        services.documents_request(
            ticket=ticket,
            agent=request.user,
            items=data["items"],
            deadline=data["deadline"],
            expected_version=data["version"],
        )
        return _("La demande de pièces est envoyée à l'usager ; le délai de décision implicite est suspendu.")

    return _act(request, ticket, "documents_form", DocumentRequestForm(request.POST), do)


@require_POST
@agent_required
def documents_received(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference, Action.REPLY)

    def do(data: dict) -> str:
        services.documents_received(
            ticket=ticket, agent=request.user, received_on=data["received_on"], expected_version=data["version"]
        )
        return _("Pièces reçues : le délai de décision implicite repart de leur date de réception.")

    return _act(request, ticket, "received_form", DocumentsReceivedForm(request.POST), do)
