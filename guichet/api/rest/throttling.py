from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from guichet.api.models import ApiKey

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PerKeyRateThrottle(SimpleRateThrottle):
    """Requests per key (or per agent session); ``GUICHET_API_RATE``, 600 a minute by default."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read at each request, not frozen at import like SimpleRateThrottle.THROTTLE_RATES.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def get_cache_key(self, request: "Request", view: "APIView") -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
