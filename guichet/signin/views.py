"""The second step of an agent's sign-in, enrolment of an authenticator app, recovery codes, and the sign-in
with the commune's directory (OpenID Connect).
"""

import logging
from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from guichet.accounts import single_logout
from guichet.accounts.models import User
from guichet.intake.receipts import qr_png_data_uri
from guichet.organisation.roles import agent_of
from guichet.signin import oidc
from guichet.signin.directory import DirectoryRefused, directory_agent_sync
from guichet.signin.models import FailureReason
from guichet.signin.services import signin_failure_record, signin_locked_until, signin_succeeded
from guichet.signin.twofactor import (
    Step,
    twofactor_enrol_confirm,
    twofactor_enrolled,
    twofactor_enrolment_device,
    twofactor_recovery_codes_renew,
    twofactor_required,
    twofactor_step,
    twofactor_verify,
    twofactor_vouched_by_provider,
)

CODES_SESSION_KEY = "guichet_2fa_new_codes"
logger = logging.getLogger("guichet.signin")


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


def _directory_refused(request: HttpRequest, reason: str, username: str = "") -> HttpResponse:
    signin_failure_record(request=request, username=username, reason=reason)
    return render(request, "signin/directory_refused.html", {"reason": reason}, status=403)


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("signin:directory_callback"))


@require_POST
@ratelimit(group="agent-signin", key="ip", rate=lambda _g, _r: settings.GUICHET_SIGNIN_IP_RATE, block=True)
def directory_start(request: HttpRequest) -> HttpResponse:
    """The button « Se connecter avec l’annuaire de la commune »: off to the provider."""
    if not oidc.enabled():
        raise Http404
    try:
        url = oidc.authorization_url(request, redirect_uri=_callback_uri(request), next_url=_next(request))
    except oidc.OIDCError as error:
        logger.warning("agent OIDC sign-in unavailable: %s", error)
        return render(request, "signin/directory_refused.html", {"reason": "unavailable"}, status=503)
    return redirect(url)


@require_GET
@ratelimit(group="agent-signin", key="ip", rate=lambda _g, _r: settings.GUICHET_SIGNIN_IP_RATE, block=True)
def directory_callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: check everything, then sign the agent in (or say why not)."""
    if not oidc.enabled():
        raise Http404
    try:
        data = oidc.pending(request, request.GET.get("state", ""))
        if error := request.GET.get("error"):
            raise oidc.OIDCError(f"the provider answered {error}: {request.GET.get('error_description', '')}")
        signed_in = oidc.sign_in_complete(
            data=data, code=request.GET.get("code", ""), redirect_uri=_callback_uri(request)
        )
    except oidc.OIDCError as error:
        logger.warning("agent OIDC sign-in refused: %s", error)
        return _directory_refused(request, FailureReason.DIRECTORY_ERROR)
    identity = signed_in.identity
    try:
        user = directory_agent_sync(identity=identity)
    except DirectoryRefused as refusal:
        return _directory_refused(request, refusal.reason, identity.username)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    signin_succeeded(username=user.get_username())
    if settings.GUICHET_AGENT_OIDC_TRUST_MFA and oidc.asserts_mfa(signed_in.claims):
        twofactor_vouched_by_provider(request)
    if signed_in.end_session_endpoint:
        request.session[single_logout.LOGIN_SESSION_KEY] = {
            "provider": "agent-directory",
            "id_token": signed_in.id_token,
            "end_session_endpoint": signed_in.end_session_endpoint,
        }
    target = data.get("next") or reverse("backoffice:inbox")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("backoffice:inbox")
    return redirect(target)
