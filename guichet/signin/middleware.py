from collections.abc import Callable

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from guichet.signin.twofactor import Step, twofactor_step

# What a session may still open before its second step: that step itself, signing out, static files.
ALWAYS_OPEN = ("/static/", "/favicon.ico", "/agent/deconnexion/", "/compte/logout/", "/compte/deconnexion/")


class TwoFactorMiddleware:
    """Before anything else, a signed-in agent who must use a second factor types a code, or enrols."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(ALWAYS_OPEN):
            step = twofactor_step(request)
            if step is not Step.DONE:
                target = reverse("signin:verify" if step is Step.VERIFY else "signin:enrol")
                if not request.path.startswith(reverse("signin:root")):
                    return HttpResponseRedirect(f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        return self.get_response(request)
