"""Single logout with FranceConnect and OpenID Connect providers (RP-initiated logout).

Signing out of Guichet after signing in through a provider that advertises an ``end_session_endpoint``
also ends the provider's session: the browser goes to that endpoint with ``id_token_hint`` (the ID token
received at login), a random ``state`` and ``post_logout_redirect_uri`` (our return page, registered with
the provider), and comes back there; the return page checks ``state``. FranceConnect requires it.

The ID token and the endpoint are kept in the session of the current login only, never in the database
tables of accounts (``SOCIALACCOUNT_STORE_TOKENS`` stays off); the session ends with the sign-out.
"""

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from allauth.socialaccount.models import SocialLogin
from allauth.utils import build_absolute_uri
from django.http import HttpRequest
from django.urls import reverse

# The current login's provider: {"provider", "id_token", "end_session_endpoint"}.
LOGIN_SESSION_KEY = "oidc_single_logout"
# After the local sign-out, while the browser is at the provider: {"state", "next"}.
PENDING_SESSION_KEY = "oidc_single_logout_pending"
# Carried in allauth's login state (kept in the session) from the token exchange to the actual sign-in,
# which may come later (e.g. after a sign-up form).
_STATE_KEY = "guichet_single_logout"


class SingleLogoutAdapterMixin:
    """For OpenIDConnectOAuth2Adapter subclasses: remember what the provider's logout will need."""

    provider_id: str
    openid_config: dict[str, Any]

    def complete_login(self, request: HttpRequest, app, token, **kwargs) -> SocialLogin:
        sociallogin = super().complete_login(request, app, token, **kwargs)  # type: ignore[misc]
        id_token = kwargs["response"].get("id_token")  # verified by complete_login above
        endpoint = self.openid_config.get("end_session_endpoint")
        if id_token and endpoint:
            sociallogin.single_logout = {
                "provider": self.provider_id,
                "id_token": id_token,
                "end_session_endpoint": endpoint,
            }
        return sociallogin


def login_carry(sociallogin: SocialLogin) -> None:
    """Before allauth decides how the login goes on: put the logout data in its state."""
    if data := getattr(sociallogin, "single_logout", None):
        sociallogin.state[_STATE_KEY] = data


def login_remember(request: HttpRequest, sociallogin: SocialLogin | None) -> None:
    """Once signed in: keep the provider's logout data, or forget an earlier login's (password sign-in)."""
    data = sociallogin.state.get(_STATE_KEY) if sociallogin is not None else None
    if data:
        request.session[LOGIN_SESSION_KEY] = data
    else:
        request.session.pop(LOGIN_SESSION_KEY, None)


def current_login(request: HttpRequest) -> dict[str, str] | None:
    data = request.session.get(LOGIN_SESSION_KEY)
    if isinstance(data, dict) and data.get("id_token") and data.get("end_session_endpoint"):
        return data
    return None


def logout_redirect_url(request: HttpRequest, login: dict[str, str], *, next_url: str) -> str:
    """After the local sign-out (the session is new): where the browser goes to end the provider's session."""
    state = secrets.token_urlsafe(32)
    request.session[PENDING_SESSION_KEY] = {"state": state, "next": next_url}
    return _add_query(
        login["end_session_endpoint"],
        {
            "id_token_hint": login["id_token"],
            "state": state,
            "post_logout_redirect_uri": post_logout_redirect_uri(request),
        },
    )


def post_logout_redirect_uri(request: HttpRequest) -> str:
    return build_absolute_uri(request, reverse("accounts:logout_return"))


def logout_return_checked(request: HttpRequest, state: str) -> str | None:
    """The page to show once back from the provider, or None when ``state`` is not the one we sent."""
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    if not isinstance(pending, dict) or not state:
        return None
    if not hmac.compare_digest(state.encode(), str(pending.get("state", "")).encode()):
        return None
    return pending.get("next") or "/"


def _add_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
