"""The schema and its browsable docs are public: they describe the API, never its data."""

from rest_framework.permissions import AllowAny


class PublicSchemaMixin:
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
