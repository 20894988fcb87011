from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.services import ticket_seen
from guichet.intake.forms import CitizenReplyForm
from guichet.lib import references
from guichet.lib.masking import mask_email, mask_phone
from guichet.notifications.models import NotificationChannel
from guichet.portal import grants, throttle
from guichet.portal.challenge import Proof, challenge_issue, proof_check
from guichet.portal.forms import AccessCodeForm, TrackingForm
from guichet.portal.lookup import not_found, ticket_for_visitor, with_ticket
from guichet.portal.models import RefusalReason
from guichet.portal.services import refusal_record
from guichet.portal.views.errors import rate_limited
from guichet.tickets import selectors
from guichet.tickets.acknowledgement import acknowledgement
from guichet.tickets.attestation import implicit_acceptance_attestation_pdf
from guichet.tickets.credentials import (
    LinkState,
    access_code_destination,
    access_code_request,
    access_code_verify,
    access_token_check,
)
from guichet.tickets.exceptions import ReplyNotAllowed, TicketActionError
from guichet.tickets.files import attachment_response
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.public_cache import status_page_get, status_page_set
from guichet.tickets.services import citizen_can_reply, message_post_by_citizen


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    form = TrackingForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("portal:ticket", reference=form.cleaned_data["reference"])
    return render(request, "portal/track.html", {"tracking_form": form}, status=400 if form.is_bound else 200)


@require_GET
def ticket_page(request: HttpRequest, reference: str) -> HttpResponse:
    # The busiest public page: a visitor without access gets the cached status page, no database at all.
    # A signed-in citizen may own the ticket through their account: that needs the database.
    anonymous = not request.user.is_authenticated
    if (
        anonymous
        and not _has_messages(request)
        and reference == references.normalise(reference)
        and not grants.has_access_to_reference(request, reference)
    ):
        if not throttle.lookups_blocked(request) and (html := status_page_get(reference, request.LANGUAGE_CODE)):
            return HttpResponse(html)
    return _ticket_page(request, reference)


def _has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0


@with_ticket()
def _ticket_page(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    match = request.resolver_match
    if match is not None and match.kwargs["reference"] != ticket.reference:
        return redirect("portal:ticket", reference=ticket.reference)
    if not grants.has_access(request, ticket):
        return _status_page(request, ticket)
    return _dashboard(request, ticket, CitizenReplyForm())


def _status_page(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    # A signed-in header (account name, CSRF token) or a one-off message for this visitor is never shared.
    if request.user.is_authenticated or _has_messages(request):
        return render(request, "portal/status.html", {"ticket": ticket})
    html = status_page_get(ticket.reference, request.LANGUAGE_CODE)
    if html is None:
        html = render_to_string("portal/status.html", {"ticket": ticket}, request=request)
        status_page_set(ticket.reference, request.LANGUAGE_CODE, html)
    return HttpResponse(html)


@require_GET
@with_ticket()
def access_code_page(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return _code_page(request, ticket, AccessCodeForm())


def _code_page(request: HttpRequest, ticket: Ticket, form: AccessCodeForm, status: int = 200) -> HttpResponse:
    destination = access_code_destination(ticket)
    context = {
        "ticket": ticket,
        "code_destination": _masked(destination) if destination else "",
        "code_form": form,
        "code_sent": request.GET.get("envoye") == "1",
        "challenge": challenge_issue(),
        "challenge_bits": settings.GUICHET_ACCESS_CODE_POW_BITS,
    }
    return render(request, "portal/access_code.html", context, status=status)


def _masked(destination: tuple[str, str]) -> str:
    channel, address = destination
    return mask_phone(address) if channel == NotificationChannel.SMS else mask_email(address)


@require_POST
@with_ticket()
def access_code_send(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    # Every refusal is counted (portal.Refusal, in /admin/): references are public, the messages cost money.
    if throttle.submission_blocked(request):
        refusal_record(reason=RefusalReason.ADDRESS_RATE, reference=ticket.reference)
        return rate_limited(request)
    proof = proof_check(challenge=request.POST.get("pow_challenge", ""), nonce=request.POST.get("pow_nonce", ""))
    if proof is Proof.INVALID:
        refusal_record(reason=RefusalReason.BAD_PROOF, reference=ticket.reference)
        messages.error(request, _("La vérification anti-abus n’a pas abouti. Demandez le code de nouveau."))
        return redirect("portal:access_code", reference=ticket.reference)
    if proof is Proof.MISSING and throttle.access_code_without_proof_blocked(request):
        refusal_record(reason=RefusalReason.NO_PROOF_RATE, reference=ticket.reference)
        messages.error(request, _(NO_PROOF_LIMIT))
        return _code_page(request, ticket, AccessCodeForm(), status=429)
    try:
        access_code_request(ticket=ticket)
    except TicketActionError as refusal:
        if reason := getattr(refusal, "refusal", ""):
            refusal_record(reason=reason, reference=ticket.reference)
        messages.error(request, refusal.message)
        return redirect("portal:access_code", reference=ticket.reference)
    return redirect(reverse("portal:access_code", args=[ticket.reference]) + "?envoye=1")


NO_PROOF_LIMIT = gettext_noop(
    "Trop de codes ont été demandés depuis cette connexion. Réessayez dans une heure, "
    "ou activez JavaScript dans votre navigateur : la page fait alors une courte vérification anti-abus."
)


@require_POST
@with_ticket()
def access_code_check(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = AccessCodeForm(request.POST)
    if form.is_valid() and access_code_verify(ticket=ticket, code=form.cleaned_data["code"]):
        grants.grant(request, ticket)
        return redirect("portal:ticket", reference=ticket.reference)
    throttle.lookup_failed(request)
    if form.is_valid():
        form.add_error(
            "code", _("Ce code est incorrect ou n’est plus valable. Vérifiez-le, ou demandez-en un nouveau.")
        )
    return _code_page(request, ticket, form, status=400)


def _dashboard(request: HttpRequest, ticket: Ticket, reply_form: CitizenReplyForm, status: int = 200) -> HttpResponse:
    owner = grants.is_owner(request, ticket)
    if owner and request.user.is_authenticated:
        ticket_seen(user=request.user, ticket=ticket)
    context = {
        "from_account": owner,
        "ticket": ticket,
        "timeline": selectors.citizen_timeline(ticket),
        "thread": selectors.public_thread(ticket),
        "form_attachments": selectors.form_attachments(ticket),
        "can_reply": citizen_can_reply(ticket),
        "reply_form": reply_form,
        "ack": acknowledgement(ticket),
    }
    return render(request, "portal/dashboard.html", context, status=status)


@require_GET
@with_ticket()
def access_link(request: HttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    state = access_token_check(ticket=ticket, token=token)
    if state is LinkState.EXPIRED:
        return render(request, "portal/link_expired.html", {"ticket": ticket}, status=410)
    if state is not LinkState.VALID:
        return not_found(request)
    grants.grant(request, ticket)
    # The redirect drops the secret from the address bar and the browser history.
    return redirect("portal:ticket", reference=ticket.reference)


@require_GET
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = ticket_for_visitor(reference)
    if ticket is None or not grants.has_access(request, ticket):
        return redirect("portal:ticket", reference=reference)
    return render(request, "portal/confirmation.html", {"ticket": ticket, "ack": acknowledgement(ticket)})


@require_POST
@with_ticket(granted=True)
def reply(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = CitizenReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _dashboard(request, ticket, form, status=400)
    try:
        message_post_by_citizen(
            ticket=ticket, body=form.cleaned_data["body"], channel=Channel.WEB, uploads=form.cleaned_data["files"]
        )
    except ReplyNotAllowed as refusal:
        messages.error(request, refusal.message)
        return _dashboard(request, ticket, form, status=409)
    messages.success(request, _("Votre message a bien été envoyé. L'agent en charge de votre demande est prévenu."))
    return redirect(reverse("portal:ticket", args=[ticket.reference]) + "#fil")


@require_GET
@with_ticket(granted=True)
def attachment(request: HttpRequest, ticket: Ticket, public_id: str) -> HttpResponseBase:
    item = selectors.public_attachment(ticket, public_id)
    if item is None:
        return not_found(request)
    return attachment_response(item)


@require_GET
@with_ticket(granted=True)
def attestation(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The attestation of an implicit acceptance (CRPA L232-3), for whoever may open the ticket's dashboard."""
    if not ticket.implicitly_accepted:
        return not_found(request)
    response = HttpResponse(implicit_acceptance_attestation_pdf(ticket), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-{ticket.reference_display}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
