import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from guichet.lib.logs import request_id_var
from guichet.operations.metrics import request_counted

# nginx's $request_id (32 hex digits) or a similar id from a load balancer; anything else is replaced.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Tag the request's log lines with an id (the proxy's X-Request-ID, else a new one) and send it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by lib.logs.RequestIdFilter
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestMetricsMiddleware:
    """Count every response by method and status, the other middlewares' answers (redirects, 429) included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        request_counted(method=request.method or "", status=response.status_code)
        return response
