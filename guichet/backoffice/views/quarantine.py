"""Emails in quarantine: messages that could not become a ticket on their own, handled by hand.

Who: reception, supervisors and administrators (they sort what arrives); service agents get a 403.
An agent reads the kept message, then turns it into a ticket (choosing the request type, prefilled
from the message) or discards it. The original message (.eml) can be downloaded by them, and by the
agents who may see the ticket it became (attachments set aside on a ticket are in it).
"""

from email import message_from_bytes, policy
from email.utils import parseaddr

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required, role_required
from guichet.catalogue.models import RequestType
from guichet.citizens.services import FROM_CITIZEN, citizen_for_submission
from guichet.compliance.access_log import access_inbound_email, access_list
from guichet.compliance.models import AccessAction, AccessObject
from guichet.intake import mime
from guichet.intake.channels.email import sender_problem, split_display_name
from guichet.intake.models import InboundEmail, InboundOutcome, QuarantineResolution
from guichet.intake.quarantine import AlreadyHandled, inbound_discard, inbound_ticket_create, quarantine_pending
from guichet.lib.uploads import CheckedUpload, check_upload
from guichet.organisation.roles import may_handle_quarantine
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.permissions import Action, can

ROBOTS_SHOWN = 30


quarantine_required = role_required(may_handle_quarantine, "backoffice/quarantine/forbidden.html")


class QuarantineTicketForm(forms.Form):
    request_type = forms.ModelChoiceField(
        label=gettext_lazy("Démarche"), queryset=RequestType.objects.active().order_by("name")
    )
    first_name = forms.CharField(label=gettext_lazy("Prénom de l’usager"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Nom de l’usager"), max_length=100, required=False)
    email = forms.EmailField(
        label=gettext_lazy("Courriel de l’usager"),
        required=False,
        max_length=254,
        help_text=gettext_lazy(
            "Laissez vide si l’adresse n’est pas utilisable : aucun accusé de réception ne partira."
        ),
    )
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 12}))

    def clean(self):
        data = super().clean()
        if data.get("email") and not data.get("last_name"):
            self.add_error("last_name", _("Indiquez le nom de l’usager pour enregistrer son adresse."))
        return data


def _inbound(public_id: str) -> InboundEmail:
    inbound = InboundEmail.objects.select_related("ticket", "resolved_by").filter(public_id=public_id).first()
    if inbound is None:
        raise Http404
    return inbound


def _parsed(inbound: InboundEmail) -> tuple[object, mime.Content]:
    try:
        with inbound.raw.open("rb") as stored:
            raw = stored.read()
    except (OSError, ValueError):  # the file is gone from the storage: the form is still usable by hand
        return None, mime.Content()
    message = message_from_bytes(raw, policy=policy.default)
    return message, mime.content(message)


def _initial(inbound: InboundEmail, message, found: mime.Content) -> dict:
    hint = mime.body_charset(message)
    address = mime.first_address(message, "From", hint)
    initial = {"subject": (inbound.subject or _("Courriel"))[:200], "body": found.text}
    for text in found.forwarded:
        initial["body"] += f"\n\n---------- {_('Message transféré')} ----------\n{text}"
    # A broken address still often carries a readable name: the lenient parser finds it.
    name = address.display_name if address else ""
    name = name or parseaddr(mime.header(message, "From", hint, as_text=True))[0]
    first_name, last_name = split_display_name(mime.clean_text(name))
    initial |= {"first_name": first_name[:100], "last_name": last_name[:100]}
    if address is not None and not sender_problem(address):
        initial["email"] = address.addr_spec.lower()
    return initial


def _uploads(found: mime.Content) -> tuple[list[CheckedUpload], list[str]]:
    uploads, refused = [], []
    for file in found.files:
        try:
            uploads.append(check_upload(SimpleUploadedFile(file.name, file.data, content_type=file.content_type)))
        except Exception:  # refused or unreadable: it stays in the original message
            refused.append(file.name)
    return uploads, refused


@require_GET
@quarantine_required
def quarantine_list(request: SignedInRequest) -> HttpResponse:
    page = Paginator(quarantine_pending().order_by("-received_at"), 25).get_page(request.GET.get("page"))
    handled = (
        InboundEmail.objects.filter(outcome=InboundOutcome.QUARANTINED)
        .exclude(resolution=QuarantineResolution.PENDING)
        .select_related("ticket", "resolved_by")
        .order_by("-resolved_at")[:20]
    )
    set_aside = InboundEmail.objects.exclude(set_aside=[]).select_related("ticket").order_by("-received_at")[:20]
    # Messages taken for robots stay visible: a person's message wrongly taken for one leaves a trace here.
    robots = (
        InboundEmail.objects.filter(outcome=InboundOutcome.IGNORED)
        .select_related("ticket")
        .order_by("-received_at")[:ROBOTS_SHOWN]
    )
    context = {"page": page, "handled": handled, "set_aside": set_aside, "robots": robots}
    access_list(request, AccessObject.INBOUND_EMAIL, [inbound.public_id for inbound in page.object_list])
    return render(request, "backoffice/quarantine/list.html", context)


@require_http_methods(["GET", "POST"])
@quarantine_required
def quarantine_detail(request: SignedInRequest, public_id: str) -> HttpResponse:
    inbound = _inbound(public_id)
    if inbound.outcome != InboundOutcome.QUARANTINED:
        raise Http404
    access_inbound_email(request, inbound)
    message, found = _parsed(inbound) if inbound.raw else (None, mime.Content())
    form = QuarantineTicketForm(request.POST or None, initial=_initial(inbound, message, found) if message else {})
    uploads, refused = _uploads(found)
    if request.method == "POST" and inbound.in_quarantine and form.is_valid():
        try:
            with transaction.atomic():  # the citizen record is created only with the ticket
                ticket = inbound_ticket_create(
                    inbound=inbound, actor=request.user, citizen=_citizen(form.cleaned_data), uploads=uploads,
                    **{key: form.cleaned_data[key] for key in ("request_type", "subject", "body")},
                )  # fmt: skip
        except AlreadyHandled as error:
            messages.error(request, error.message)
            return redirect("backoffice:quarantine", public_id=public_id)
        except (TicketActionError, ValidationError) as error:  # shown above the form, what was typed is kept
            form.add_error(None, error.message if isinstance(error, TicketActionError) else " ".join(error.messages))
        else:
            messages.success(
                request, _("Demande %(ref)s créée à partir du courriel.") % {"ref": ticket.reference_display}
            )
            return redirect("backoffice:ticket", reference=ticket.reference)
    context = {"inbound": inbound, "form": form, "found": found, "uploads": uploads, "refused": refused}
    return render(request, "backoffice/quarantine/detail.html", context)


def _citizen(data: dict):
    if not data["last_name"] and not data["email"]:
        return None
    return citizen_for_submission(
        rules=FROM_CITIZEN, first_name=data["first_name"], last_name=data["last_name"], email=data["email"]
    )


@require_POST
@quarantine_required
def quarantine_discard(request: SignedInRequest, public_id: str) -> HttpResponse:
    inbound = _inbound(public_id)
    try:
        inbound_discard(inbound=inbound, actor=request.user)
    except TicketActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Courriel écarté. Il reste consultable dans les messages traités."))
    return redirect("backoffice:quarantine_list")


@require_GET
@agent_required
def inbound_original(request: SignedInRequest, public_id: str) -> HttpResponse:
    """The original message as received (.eml), downloaded, never rendered in the browser."""
    inbound = _inbound(public_id)
    allowed = may_handle_quarantine(request.user) or (
        inbound.ticket is not None and can(request.user, Action.VIEW, inbound.ticket)
    )
    if not allowed or not inbound.raw:
        raise Http404
    try:
        with inbound.raw.open("rb") as stored:
            response = HttpResponse(stored.read(), content_type="application/octet-stream")
    except (OSError, ValueError):
        raise Http404 from None
    access_inbound_email(request, inbound, action=AccessAction.DOWNLOAD)
    response["Content-Disposition"] = f'attachment; filename="courriel-{inbound.public_id}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
