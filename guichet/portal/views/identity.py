"""The commune's stylesheet and logo (organisation.identity), public, versioned by a hash in their URL.

The current version is cached for a year (immutable). Another version — a page cached before the admin changed
the colours or the logo, or a node whose cached commune is a few seconds older than the one that rendered the
page — gets the current content, not to be cached: never a redirect that two nodes could send back and forth.
"""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from guichet.organisation.identity import logo_content_type, theme_css
from guichet.organisation.models import Commune

FOR_EVER = "public, max-age=31536000, immutable"
NOT_CACHED = "no-cache"


@require_GET
def theme(request: HttpRequest, version: str) -> HttpResponse:
    commune = Commune.current()
    response = HttpResponse(
        theme_css(commune.primary_color, commune.primary_text_color), content_type="text/css; charset=utf-8"
    )
    response["Cache-Control"] = FOR_EVER if version == commune.identity_version else NOT_CACHED
    return response


@require_GET
def logo(request: HttpRequest, version: str) -> FileResponse:
    commune = Commune.current()
    if not commune.logo:
        raise Http404
    try:
        handle = commune.logo.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=logo_content_type(commune.logo.name or ""))
    response["Cache-Control"] = FOR_EVER if version == commune.identity_version else NOT_CACHED
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
