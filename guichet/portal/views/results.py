"""/resultats/: the town hall's quality-of-service results (Services Publics+ commitment #6), for anyone."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from guichet.statistics.public import public_results


def _cache_key(language: str, today: str) -> str:
    return f"guichet:public-results:{language}:{today}"


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """The figures are the same for every visitor and hold no personal data: only the tables are cached
    (per language and day), the page around them keeps the visitor's own header."""
    today = timezone.localdate()
    key = _cache_key(translation.get_language() or settings.LANGUAGE_CODE, today.isoformat())
    tables = cache.get(key)
    if tables is None:
        context = {"results": public_results(today=today), "min_cell": settings.GUICHET_STATS_MIN_CELL}
        tables = render_to_string("portal/_results.html", context)
        cache.set(key, tables, settings.GUICHET_PUBLIC_RESULTS_CACHE_SECONDS)
    return render(request, "portal/results.html", {"tables": mark_safe(tables)})  # noqa: S308 our own template
