"""The schema and its browsable docs are public: they describe the API, never its data."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class PublicSchemaMixin:
    permission_classes: "Sequence[_PermissionClass]" = [AllowAny]
    authentication_classes: Sequence[type[BaseAuthentication]] = []
    throttle_classes: Sequence[type[BaseThrottle]] = []
