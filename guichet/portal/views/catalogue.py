import uuid

from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from guichet.accounts.services import account_citizen
from guichet.catalogue.forms import RequestForm
from guichet.catalogue.models import FieldKind, RequestType, Theme
from guichet.catalogue.published import active_request_type
from guichet.intake.channels.web import web_submit
from guichet.intake.forms import ContactForm, contact_form_for
from guichet.lib.htmx import wants_partial
from guichet.lib.submission_keys import new_submission_key, parse_submission_key
from guichet.places.forms import location_form_for
from guichet.portal import grants, throttle
from guichet.portal.forms import TrackingForm
from guichet.portal.submissions import Claim, replay_allowed, submission_claim, submitter_prepare
from guichet.portal.views.errors import rate_limited

REPLAYED_FORM = gettext_noop(
    "Ce formulaire a déjà été envoyé depuis un autre navigateur. Vérifiez vos réponses et envoyez-les : "
    "une nouvelle demande sera enregistrée à votre nom."
)


def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    types = RequestType.objects.active().order_by("order", "name")
    if query:
        types = types.filter(Q(name__icontains=query) | Q(description__icontains=query))
    themes = [
        theme
        for theme in Theme.objects.prefetch_related(Prefetch("request_types", queryset=types, to_attr="listed"))
        if theme.listed
    ]
    context = {"themes": themes, "query": query, "tracking_form": TrackingForm()}
    template = "portal/_catalogue.html" if wants_partial(request) else "portal/home.html"
    return render(request, template, context)


def _takes_files(form: RequestForm) -> bool:
    """A located type with a file field: the form asks whether its photos may be shown publicly."""
    return any(field.kind == FieldKind.FILE for field in form.type_fields)


def _replayed(contact_form: ContactForm) -> uuid.UUID:
    """Sent before from another session: keep what was typed, never show the other person's ticket."""
    contact_form.add_error(None, _(REPLAYED_FORM))
    return new_submission_key()


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, slug: str) -> HttpResponse:
    request_type = active_request_type(slug)
    if request_type is None:
        raise Http404
    signed_in = request.user.is_authenticated
    if request_type.needs_account and not signed_in:
        # Sign in (or sign up), then back to this form.
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))
    citizen = account_citizen(request.user) if request.user.is_authenticated else None
    if request.method == "POST":
        if throttle.submission_blocked(request):
            return rate_limited(request)
        form = RequestForm(request.POST, request.FILES, request_type=request_type, citizen=citizen)
        contact_form = contact_form_for(citizen, data=request.POST)
        location_form = location_form_for(
            request_type.location_mode, data=request.POST, photo_consent=_takes_files(form)
        )
        key = parse_submission_key(request.POST.get("submission_key"))
        claim = submission_claim(request, key) if key else None
        if claim is Claim.OTHERS:
            key = _replayed(contact_form)
        located = location_form is None or location_form.is_valid()
        if form.is_valid() and contact_form.is_valid() and located and not contact_form.is_bot and key:
            ticket = web_submit(
                request_form=form,
                contact_form=contact_form,
                submission_key=key,
                account_citizen=citizen,
                place=location_form.place if location_form else None,
                photos_public_consent=location_form.photos_public_consent if location_form else False,
            )
            if not ticket.replayed or (claim and replay_allowed(request, ticket, claim)):
                grants.grant(request, ticket)
                return redirect("portal:confirmation", reference=ticket.reference)
            key = _replayed(contact_form)
        status = 400
    else:
        form = RequestForm(request_type=request_type, citizen=citizen)
        contact_form = contact_form_for(citizen)
        location_form = location_form_for(request_type.location_mode, photo_consent=_takes_files(form))
        key, status = None, 200
        submitter_prepare(request)
    context = {
        "request_type": request_type,
        "form": form,
        "contact_form": contact_form,
        "location_form": location_form,
        # Sent back with the form; a fresh one when the one sent was missing or altered (never "None").
        "submission_key": key or new_submission_key(),
        "account_citizen": citizen,
    }
    return render(request, "portal/request_form.html", context, status=status)
