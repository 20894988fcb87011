import uuid

from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from guichet.catalogue.forms import RequestForm
from guichet.catalogue.models import RequestType, Theme
from guichet.intake.channels.web import web_submit
from guichet.intake.forms import ContactForm
from guichet.lib.htmx import wants_partial
from guichet.portal import access, throttle
from guichet.portal.forms import TrackingForm
from guichet.portal.views.errors import rate_limited


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


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, slug: str) -> HttpResponse:
    request_type = get_object_or_404(RequestType.objects.active().select_related("service", "theme"), slug=slug)
    if request_type.requires_account:
        return render(request, "portal/account_required.html", {"request_type": request_type}, status=403)
    if request.method == "POST":
        if throttle.submission_blocked(request):
            return rate_limited(request)
        form = RequestForm(request.POST, request.FILES, request_type=request_type)
        contact_form = ContactForm(request.POST, prefix="contact")
        key = _submission_key(request.POST.get("submission_key", ""))
        if form.is_valid() and contact_form.is_valid() and not contact_form.is_bot and key:
            ticket = web_submit(request_form=form, contact_form=contact_form, submission_key=key)
            access.grant(request, ticket)
            return redirect("portal:confirmation", reference=ticket.reference)
        status = 400
    else:
        form = RequestForm(request_type=request_type)
        contact_form = ContactForm(prefix="contact")
        key, status = uuid.uuid4(), 200
    context = {"request_type": request_type, "form": form, "contact_form": contact_form, "submission_key": key}
    return render(request, "portal/request_form.html", context, status=status)


def _submission_key(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
