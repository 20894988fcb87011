"""The second step of an agent's sign-in, enrolment of an authenticator app, and recovery codes."""

from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.models import User
from guichet.intake.receipts import qr_png_data_uri
from guichet.organisation.roles import agent_of
from guichet.signin.services import signin_locked_until
from guichet.signin.twofactor import (
    Step,
    twofactor_enrol_confirm,
    twofactor_enrolled,
    twofactor_enrolment_device,
    twofactor_recovery_codes_renew,
    twofactor_required,
    twofactor_step,
    twofactor_verify,
)

CODES_SESSION_KEY = "guichet_2fa_new_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code à 6 chiffres de votre application, ou code de secours"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("backoffice:inbox")


def _staff_or_agent(request: HttpRequest) -> User | None:
    """The signed-in agent or admin staff user, or None."""
    user = request.user
    if isinstance(user, User) and (user.is_staff or agent_of(user) is not None):
        return user
    return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("backoffice:login"))
    if twofactor_step(request) is not Step.VERIFY:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        if signin_locked_until(username=request.user.get_username()):
            logout(request)
            messages.error(request, _("Trop de codes incorrects : par sécurité, le compte est bloqué un moment."))
            return redirect("backoffice:login")
        form.add_error("code", _("Ce code est incorrect ou a déjà servi. Attendez le code suivant et réessayez."))
    status = 400 if form.errors else 200
    return render(request, "signin/verify.html", {"form": form, "next": _next(request)}, status=status)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    user = _staff_or_agent(request)
    if user is None:
        return redirect_to_login(request.get_full_path(), login_url=reverse("backoffice:login"))
    if twofactor_step(request) is Step.VERIFY:  # already enrolled: prove it before replacing the app
        return redirect(reverse("signin:verify") + "?" + request.GET.urlencode())
    device = twofactor_enrolment_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor_enrol_confirm(request=request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            request.session[CODES_SESSION_KEY] = codes
            return redirect(reverse("signin:recovery_codes") + "?" + request.GET.urlencode())
        form.add_error("code", _("Ce code ne correspond pas. Vérifiez l’heure du téléphone et tapez le code affiché."))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": qr_png_data_uri(device.config_url),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": twofactor_required(user),
        "enrolled": twofactor_enrolled(user),
    }
    return render(request, "signin/enrol.html", context, status=400 if form.errors else 200)


def _not_ready(request: HttpRequest) -> HttpResponse | None:
    """Recovery codes are for a signed-in agent who passed (or does not need) the second step."""
    if _staff_or_agent(request) is None:
        return redirect_to_login(request.get_full_path(), login_url=reverse("backoffice:login"))
    step = twofactor_step(request)
    if step is not Step.DONE:
        return redirect("signin:verify" if step is Step.VERIFY else "signin:enrol")
    return None


@require_http_methods(["GET"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if refusal := _not_ready(request):
        return refusal
    codes = request.session.pop(CODES_SESSION_KEY, None)  # shown once
    context = {"codes": codes, "enrolled": twofactor_enrolled(request.user), "next": _next(request)}
    return render(request, "signin/recovery_codes.html", context)


@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    if refusal := _not_ready(request):
        return refusal
    user = _staff_or_agent(request)
    if user is None or not twofactor_enrolled(user):
        return redirect("signin:enrol")
    request.session[CODES_SESSION_KEY] = twofactor_recovery_codes_renew(user=user)
    return redirect("signin:recovery_codes")
