from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect

from guichet.accounts import single_logout
from guichet.signin import oidc
from guichet.signin.forms import AgentSignInForm


class LoginView(auth_views.LoginView):
    # The form limits attempts per address and per account, and logs refusals (guichet.signin).
    authentication_form = AgentSignInForm
    template_name = "backoffice/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        methods = settings.GUICHET_AGENT_SIGNIN_METHODS
        return {
            **super().get_context_data(**kwargs),
            "directory_oidc": oidc.enabled(),
            "password_form": "password" in methods or "ldap" in methods,
        }


class LogoutView(auth_views.LogoutView):
    """After a sign-in with the commune's provider, also ends the provider's session (as citizens' does)."""

    def post(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        login = single_logout.current_login(request)  # read before the session is flushed
        response = super().post(request, *args, **kwargs)
        if login is None:
            return response
        return redirect(single_logout.logout_redirect_url(request, login, next_url=response["Location"]))
