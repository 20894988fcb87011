"""The reception agent's screen: a phone or counter request typed in while the citizen waits."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required, get_ticket_for_agent
from guichet.backoffice.intake_forms import AcknowledgementForm, NewCitizenForm, RelayedMessageForm, SetupForm
from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen
from guichet.citizens.selectors import citizens_search
from guichet.intake.channels.agent import agent_submit
from guichet.lib.phonetic import spell
from guichet.lib.submission_keys import new_submission_key, parse_submission_key
from guichet.notifications.rendering import absolute
from guichet.places.forms import location_form_for
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.lifecycle import Channel
from guichet.tickets.permissions import Action
from guichet.tickets.services import message_post_by_citizen
from guichet.tickets.surveys import survey_receipt_code


def _chosen_citizen(request: HttpRequest) -> Citizen | None:
    public_id = request.GET.get("usager", "")
    return Citizen.objects.filter(public_id=public_id).first() if public_id else None


@require_http_methods(["GET", "POST"])
@agent_required
def new_request(request: SignedInRequest) -> HttpResponse:
    setup = SetupForm(request.GET if "demarche" in request.GET else None, initial={"canal": Channel.PHONE})
    citizen = _chosen_citizen(request)
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "setup": setup,
        "citizen": citizen,
        "query": query,
        "results": citizens_search(query=query, limit=8) if query and citizen is None else [],
    }
    if not setup.is_bound or not setup.is_valid():
        return render(request, "backoffice/intake/new_request.html", context)
    request_type = setup.cleaned_data["demarche"]
    post = request.POST if request.method == "POST" else None
    files = request.FILES if post else None
    forms: dict[str, Any] = {
        "form": RequestForm(post, files, request_type=request_type, citizen=citizen, member_required=False),
        "citizen_form": None if citizen else NewCitizenForm(post, prefix="usager"),
        "ack_form": AcknowledgementForm(post, files),
        "location_form": location_form_for(request_type.location_mode, data=post),
    }
    # Agents are never blocked by a missing key: a new one is drawn (the form then carries it).
    key = parse_submission_key(request.POST.get("submission_key")) or new_submission_key()
    if post is not None and _all_valid(forms, citizen):
        ticket = agent_submit(
            request_form=forms["form"],
            citizen=citizen,
            new_citizen=forms["citizen_form"].cleaned_data if forms["citizen_form"] else None,
            acknowledgement=forms["ack_form"].cleaned_data["ack"],
            channel=setup.cleaned_data["canal"],
            agent=request.user,
            note=forms["ack_form"].cleaned_data["note"],
            note_uploads=forms["ack_form"].cleaned_data["files"],
            submission_key=key,
            place=forms["location_form"].place if forms["location_form"] else None,
        )
        return redirect("backoffice:intake_done", reference=ticket.reference)
    context.update(forms, request_type=request_type, submission_key=key)
    return render(request, "backoffice/intake/new_request.html", context, status=400 if post else 200)


def _all_valid(forms: dict, citizen: Citizen | None) -> bool:
    valid = all(form.is_valid() for form in forms.values() if form is not None)
    if not valid:
        return False
    contact = forms["citizen_form"].cleaned_data if forms["citizen_form"] else None
    if contact:
        email, phone = contact["email"], contact["phone"]
    elif citizen is not None:
        email, phone = citizen.email, citizen.phone
    else:
        return False  # the new citizen's form is there whenever no citizen was chosen
    forms["ack_form"].check_contact(email=email, phone=phone)
    return not forms["ack_form"].errors


@require_GET
@agent_required
def intake_done(request: SignedInRequest, reference: str) -> HttpResponse:
    ticket = get_ticket_for_agent(request, reference)
    context = {"ticket": ticket, "spelling": spell(ticket.reference)}
    return render(request, "backoffice/intake/done.html", context)


@require_http_methods(["GET", "POST"])
@agent_required
def receipt(request: SignedInRequest, reference: str) -> HttpResponse:
    # The receipt carries a personal link that acts as the citizen: only agents who may answer for the
    # ticket print it (reception prints the receipts of the requests it entered).
    ticket = get_ticket_for_agent(request, reference, Action.REPLY)
    if request.method == "GET":  # printing mints a link: a GET (prefetch, reload, history) only offers the buttons
        return render(request, "backoffice/intake/receipt.html", {"ticket": ticket})
    layout = request.POST.get("format", "a4")
    if layout not in {"a4", "ticket80"}:
        raise Http404
    from guichet.intake.receipts import counter_receipt_pdf  # WeasyPrint is slow to import: only when printing

    token = access_token_issue(ticket=ticket)
    access_url = absolute(reverse("portal:access", args=[ticket.reference, token]))
    survey_code = survey_receipt_code(ticket=ticket)
    pdf = counter_receipt_pdf(ticket=ticket, access_url=access_url, layout=layout, survey_code=survey_code)
    response = HttpResponse(pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="recepisse-{ticket.reference}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@require_POST
@agent_required
def relayed_message(request: SignedInRequest, reference: str) -> HttpResponse:
    # A relayed message speaks in the citizen's thread and may reopen the ticket: it needs the right to
    # answer there, not just to add a note (reception answers only for the requests it entered).
    ticket = get_ticket_for_agent(request, reference, Action.REPLY)
    form = RelayedMessageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Message non enregistré : écrivez ce que dit l’usager."))
        return redirect("backoffice:ticket", reference=ticket.reference)
    try:
        message_post_by_citizen(
            ticket=ticket,
            body=form.cleaned_data["body"],
            channel=form.cleaned_data["canal"],
            uploads=form.cleaned_data["files"],
            entered_by=request.user,
        )
    except TicketActionError as refusal:
        messages.error(request, refusal.message)
        return redirect("backoffice:ticket", reference=ticket.reference)
    messages.success(request, _("Message de l’usager ajouté au fil."))
    return redirect("backoffice:ticket", reference=ticket.reference)
