"""The commune's stylesheet and logo (organisation.identity), public, versioned by a hash in their URL.

The current version is cached for a year (immutable); an old version (a page cached before the admin changed
the colours or the logo) is redirected to the current one.
"""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from guichet.organisation.identity import logo_content_type, theme_css
from guichet.organisation.models import Commune

FOR_EVER = "public, max-age=31536000, immutable"


@require_GET
def theme(request: HttpRequest, version: str) -> HttpResponse:
    commune = Commune.current()
    if version != commune.identity_version:
        return _moved("portal:theme", commune)
    response = HttpResponse(
        theme_css(commune.primary_color, commune.primary_text_color), content_type="text/css; charset=utf-8"
    )
    response["Cache-Control"] = FOR_EVER
    return response


@require_GET
def logo(request: HttpRequest, version: str) -> HttpResponse | FileResponse:
    commune = Commune.current()
    if not commune.logo:
        raise Http404
    if version != commune.identity_version:
        return _moved("portal:logo", commune)
    try:
        handle = commune.logo.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=logo_content_type(commune.logo.name or ""))
    response["Cache-Control"] = FOR_EVER
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _moved(name: str, commune: Commune) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse(name, args=[commune.identity_version]))
    response["Cache-Control"] = "no-cache"
    return response
