"""The photos agents published (issue 17): a small thumbnail in the nearby panel and on « Moi aussi ».

Only a photo an agent published, of a request still open, is served; anything else is a 404, whatever the
reason. The thumbnail is made by the app from the stored copy (through the storage API, so disk or S3 alike),
re-encoded as a JPEG with no metadata, and kept in the shared cache; the stored file is never given out.
"""

import logging

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from guichet.places.photos import thumbnail_jpeg
from guichet.portal import throttle
from guichet.portal.views.errors import rate_limited
from guichet.tickets.selectors import published_photo as find_published_photo

logger = logging.getLogger(__name__)
THUMBNAIL_PX = 320  # twice the panel's 160 CSS pixels, for high-density screens
CACHE_SECONDS = 24 * 3600
# Browsers keep it a few minutes, shared caches never: withdrawing a photo takes effect in at most that time.
BROWSER_CACHE = "private, max-age=300"


@require_GET
def published_photo(request: HttpRequest, public_id: str) -> HttpResponse:
    if throttle.public_photo_blocked(request):
        return rate_limited(request)
    photo = find_published_photo(public_id[:32])
    if photo is None or photo.published_at is None:
        raise Http404
    # A new publication is a new key: a withdrawn and re-published photo is never served from an old entry.
    key = f"guichet:public-photo:{photo.public_id}:{photo.published_at.timestamp()}"
    data = cache.get(key)
    if data is None:
        try:
            with photo.file.open("rb") as handle:
                data = thumbnail_jpeg(handle, size=THUMBNAIL_PX)
        except Exception as problem:  # a missing file or an image Pillow cannot read: nothing to show
            logger.warning("Published photo %s not served (%s: %s)", photo.public_id, type(problem).__name__, problem)
            raise Http404 from None
        cache.set(key, data, CACHE_SECONDS)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = BROWSER_CACHE
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response
