import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from guichet.operations.health import health_report
from guichet.operations.metrics import metrics_exposition


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For a load balancer or a monitor: 200 when every part works, 503 naming the parts that do not."""
    report = health_report()
    failing = [name for name, probe in report.items() if not probe.ok]
    body = {
        "status": "error" if failing else "ok",
        "failing": failing,
        "checks": {name: {"ok": probe.ok, **probe.details} for name, probe in report.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.GUICHET_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.GUICHET_METRICS_ALLOWED_IPS


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.GUICHET_METRICS_TOKEN and not settings.GUICHET_METRICS_ALLOWED_IPS:
        raise Http404  # not set up: nothing to see here
    if not _may_scrape(request):
        return HttpResponse(
            _("Accès refusé : jeton ou adresse non autorisés.") + "\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics_exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
