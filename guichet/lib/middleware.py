from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Everything is served by the application itself: no inline script, no third party.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def policy() -> str:
    # Signing in with an identity provider posts a form whose redirect leaves for the provider.
    return " ".join([POLICY, *settings.CSP_FORM_ACTION])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", policy())
        return response
