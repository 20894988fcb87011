"""The legal hold on the agent's ticket page, and the citizen's download of their request before it expires."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import get_ticket_for_agent, role_required
from guichet.organisation import roles
from guichet.portal import throttle
from guichet.portal.views.errors import rate_limited
from guichet.retention.forms import LegalHoldForm
from guichet.retention.notices import ticket_for_download, ticket_pdf
from guichet.tickets import services


@require_http_methods(["GET", "POST"])
@role_required(roles.may_set_legal_hold, "retention/forbidden.html")
def legal_hold(request: SignedInRequest, reference: str) -> HttpResponse:
    """Set the hold, or release it when one is set: one form, a reason either way."""
    ticket = get_ticket_for_agent(request, reference)
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if ticket.legal_hold_at is None:
                services.ticket_legal_hold_set(ticket=ticket, actor=request.user, reason=reason)
                messages.success(request, _("Gel de conservation posé : la demande ne sera pas effacée."))
            else:
                services.ticket_legal_hold_release(ticket=ticket, actor=request.user, reason=reason)
                messages.success(request, _("Gel de conservation levé."))
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            return redirect("backoffice:ticket", reference=ticket.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "retention/legal_hold.html", {"ticket": ticket, "form": form}, status=status)


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the notice before expiry: this one ticket, as PDF, without an account."""
    if throttle.lookups_blocked(request):
        return rate_limited(request)
    ticket = ticket_for_download(token)
    if ticket is None:
        throttle.lookup_failed(request)  # like a wrong reference or personal link
        raise Http404(_("Ce lien n’est pas valable ou a expiré."))
    response = HttpResponse(ticket_pdf(ticket), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="demande-{ticket.reference_display}.pdf"'
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
