"""The one sign-in form of agents, at /agent/connexion/ and /admin/login/: per-address rate limit,
per-account lock, every refusal logged.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from guichet.signin.directory import LDAP_BACKEND, REFUSAL_ATTRIBUTE
from guichet.signin.models import FailureReason
from guichet.signin.services import signin_failure_record, signin_locked_until, signin_succeeded

LOCKED_MESSAGE = _(
    "Trop d’essais infructueux pour cet identifiant : par sécurité, il est bloqué jusqu’à %(time)s. "
    "Réessayez ensuite, ou demandez à un administrateur de le débloquer."
)

DIRECTORY_REFUSALS = {
    FailureReason.NO_GROUP: _(
        "L’annuaire de la commune vous a bien reconnu, mais vous n’êtes dans aucun groupe qui donne accès à Guichet. "
        "Demandez à l’administrateur de l’annuaire de vous ajouter au groupe de votre service."
    ),
    FailureReason.DEACTIVATED: _("Votre compte Guichet est désactivé. Adressez-vous à un administrateur de Guichet."),
    FailureReason.DIRECTORY_ERROR: _(
        "Un autre compte porte déjà cet identifiant dans Guichet. Adressez-vous à un administrateur de Guichet."
    ),
}


class LockoutMixin:
    request: Any
    lock_message = ""

    def clean(self) -> dict:
        username = self.data.get("username", "") if hasattr(self, "data") else ""
        if self.request is not None and is_ratelimited(
            self.request, group="agent-signin", key="ip", rate=settings.GUICHET_SIGNIN_IP_RATE, increment=True
        ):
            raise Ratelimited()
        until = signin_locked_until(username=username) if username else None
        if until is not None:
            signin_failure_record(request=self.request, username=username, reason=FailureReason.LOCKED)
            self.lock_message = LOCKED_MESSAGE % {"time": formats.time_format(timezone.localtime(until), "H:i")}
            raise forms.ValidationError(self.lock_message, code="locked")
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError as error:
            if getattr(error, "code", None) != "invalid_login":
                raise
            if refusal := getattr(self.request, REFUSAL_ATTRIBUTE, None):
                # The LDAP directory knows the password, but its groups (or Guichet) refuse this person.
                signin_failure_record(request=self.request, username=username, reason=refusal)
                self.lock_message = str(DIRECTORY_REFUSALS.get(refusal, DIRECTORY_REFUSALS[FailureReason.NO_GROUP]))
                raise forms.ValidationError(self.lock_message, code="directory_refused") from error
            signin_failure_record(request=self.request, username=username, reason=FailureReason.BAD_PASSWORD)
            raise
        signin_succeeded(username=username)
        return cleaned


class AgentSignInForm(LockoutMixin, AuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # Local passwords off: only the directory's check (LDAP) lets an agent in through this form.
        if "password" not in settings.GUICHET_AGENT_SIGNIN_METHODS and getattr(user, "backend", "") != LDAP_BACKEND:
            raise self.get_invalid_login_error()


class AdminSignInForm(LockoutMixin, AdminAuthenticationForm):
    pass
