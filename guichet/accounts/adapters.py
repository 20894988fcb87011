"""How allauth fits Guichet: citizens land on /compte/, every account gets its citizen record."""

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guichet.accounts import single_logout
from guichet.accounts.models import User
from guichet.accounts.services import account_prefill_from_claims
from guichet.lib.mail import Email
from guichet.notifications.transports.email import sender
from guichet.organisation.models import Commune


class AccountAdapter(DefaultAccountAdapter):
    # allauth's French catalogue leaves these untranslated.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _("Trop de tentatives de connexion échouées. Réessayez dans quelques minutes."),
        "email_password_mismatch": _("L’adresse électronique ou le mot de passe est incorrect."),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth signs its emails with the "site": for citizens, that is their town hall and its address.
        commune = Commune.current()
        site = SimpleNamespace(name=commune.name, domain=settings.SITE_URL.split("://", 1)[-1])
        super().send_mail(template_prefix, email, {**context, "current_site": site})

    def get_from_email(self) -> str:
        return sender()  # the commune's name, as on every other email to citizens

    def render_mail(self, *args: Any, **kwargs: Any) -> EmailMessage:
        return Email.copy_of(super().render_mail(*args, **kwargs))  # its subject on its header's line

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Agents sign in at /agent/connexion/ (Django's LoginView and LOGIN_REDIRECT_URL); citizens here.
        return reverse("accounts:dashboard")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:dashboard")

    def post_login(self, request: HttpRequest, user, *, signal_kwargs: dict[str, Any] | None, **kwargs) -> HttpResponse:
        single_logout.login_remember(request, (signal_kwargs or {}).get("sociallogin"))
        return super().post_login(request, user, signal_kwargs=signal_kwargs, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        single_logout.login_carry(sociallogin)
        super().pre_social_login(request, sociallogin)

    def save_user(self, request: HttpRequest, sociallogin, form=None) -> User:
        user = super().save_user(request, sociallogin, form)
        account_prefill_from_claims(user=user, claims=identity_claims(sociallogin.account.extra_data))
        return user


def identity_claims(extra_data: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed by the userinfo's (allauth keeps both)."""
    if "userinfo" not in extra_data and "id_token" not in extra_data:
        return dict(extra_data)
    return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}


def user_display(user: User) -> str:
    """How allauth's pages and emails name the person: their name, not the generated user name."""
    return user.get_full_name() or user.email
