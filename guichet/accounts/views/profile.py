import json

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.export import account_export
from guichet.accounts.forms import DeleteAccountForm, ProfileForm
from guichet.accounts.guards import citizen_login_required
from guichet.accounts.guards import posted as _posted
from guichet.accounts.requests import SignedInRequest
from guichet.accounts.selectors import verified_phones
from guichet.accounts.services import account_citizen, account_delete, account_profile_update
from guichet.organisation import roles

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "street",
    "postcode",
    "city",
    "preferred_channel",
    "consent_email",
    "consent_sms",
)


@require_http_methods(["GET", "POST"])
@citizen_login_required
def profile(request: SignedInRequest) -> HttpResponse:
    citizen = account_citizen(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            account_profile_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Votre profil est enregistré."))
            return redirect("accounts:profile")
        status = 400
    else:
        form = ProfileForm(initial={name: getattr(citizen, name) for name in PROFILE_FIELDS})
        status = 200
    context = {"form": form, "citizen": citizen, "phone_verified": bool(verified_phones(request.user))}
    return render(request, "accounts/profile.html", context, status=status)


@require_GET
@citizen_login_required
def export(request: SignedInRequest) -> HttpResponse:
    """« Télécharger mes données » : the profile, household and tickets with their public threads, as JSON."""
    data = account_export(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@citizen_login_required
def delete(request: SignedInRequest) -> HttpResponse:
    citizen = account_citizen(request.user)
    is_agent = roles.is_town_hall_account(request.user)
    form = DeleteAccountForm(_posted(request), user=request.user)
    if request.method == "POST" and not is_agent and form.is_valid():
        try:
            account_delete(user=request.user)
        except PermissionDenied:
            is_agent = True
        else:
            logout(request)
            messages.success(request, _("Votre compte a été supprimé. Vos données personnelles ont été effacées."))
            return redirect("portal:home")
    context = {"form": form, "is_agent": is_agent, "ticket_count": citizen.tickets.count()}
    status = 400 if form.is_bound else (403 if is_agent and request.method == "POST" else 200)
    return render(request, "accounts/delete.html", context, status=status)
