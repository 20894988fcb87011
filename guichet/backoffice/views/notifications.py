from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required
from guichet.backoffice.resend import failed_notifications_for, notification_resend
from guichet.tickets.permissions import Action, can
from guichet.tickets.selectors import acknowledgements_late_for


class ResendForm(forms.Form):
    recipient = forms.CharField(
        label=gettext_lazy("Adresse ou numéro corrigé (laisser vide pour renvoyer à l’identique)"),
        required=False,
        max_length=254,
    )


@require_GET
@agent_required
def failed_list(request: SignedInRequest) -> HttpResponse:
    page = Paginator(failed_notifications_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "backoffice/notifications/failed.html", {"page": page, "form": ResendForm()})


@require_POST
@agent_required
def resend(request: SignedInRequest, uuid: str) -> HttpResponse:
    notification = failed_notifications_for(request.user).filter(uuid=uuid).first()
    # Resending may change the citizen's address: it takes the right to answer for the ticket, not just to see it.
    if notification is None or (notification.ticket and not can(request.user, Action.REPLY, notification.ticket)):
        raise Http404
    form = ResendForm(request.POST)
    if form.is_valid():
        try:
            notification_resend(notification=notification, actor=request.user, recipient=form.cleaned_data["recipient"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Notification renvoyée à %(to)s.") % {"to": notification.recipient})
    return redirect("backoffice:failed_notifications")


@require_GET
@agent_required
def late_acknowledgements(request: SignedInRequest) -> HttpResponse:
    page = Paginator(acknowledgements_late_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "backoffice/notifications/late_acknowledgements.html", {"page": page})
