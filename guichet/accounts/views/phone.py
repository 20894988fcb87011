from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.forms import PhoneCodeForm
from guichet.accounts.guards import citizen_login_required
from guichet.accounts.phones import PhoneVerificationError, phone_verification_check, phone_verification_send
from guichet.accounts.requests import SignedInRequest
from guichet.accounts.selectors import verified_phones
from guichet.accounts.services import account_citizen
from guichet.lib.masking import mask_phone
from guichet.portal import throttle
from guichet.portal.views.errors import rate_limited


@require_POST
@citizen_login_required
def send_code(request: SignedInRequest) -> HttpResponse:
    if throttle.submission_blocked(request):
        return rate_limited(request)
    try:
        phone = phone_verification_send(user=request.user)
    except PhoneVerificationError as refusal:
        messages.error(request, refusal.message)
        return redirect("accounts:profile")
    messages.success(request, _("Un code vous est envoyé par SMS au %(phone)s.") % {"phone": mask_phone(phone)})
    return redirect("accounts:phone_verify")


@require_http_methods(["GET", "POST"])
@citizen_login_required
def verify(request: SignedInRequest) -> HttpResponse:
    form = PhoneCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if throttle.lookups_blocked(request):
            return rate_limited(request)
        if form.is_valid() and phone_verification_check(user=request.user, code=form.cleaned_data["code"]):
            messages.success(request, _("Votre numéro de téléphone est vérifié."))
            return redirect("accounts:dashboard")
        throttle.lookup_failed(request)
        if form.is_valid():
            form.add_error("code", _("Ce code est incorrect ou n’est plus valable. Demandez-en un nouveau."))
    context = {
        "form": form,
        "phone": account_citizen(request.user).phone_display,
        "verified": bool(verified_phones(request.user)),
    }
    return render(request, "accounts/phone_verify.html", context, status=400 if form.is_bound else 200)
