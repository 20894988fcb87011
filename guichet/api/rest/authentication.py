"""Who is calling: an API key in ``Authorization: Bearer <key>``, or an agent's own browser session.

A key acts as its ``user`` (the agent it was issued for, or the agent account created for an
integration), so the back office's permission rule applies unchanged. A key without a user can
only read the catalogue.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from guichet.api.keys import api_key_authenticate
from guichet.api.models import ApiKey

KEYWORDS = frozenset({b"bearer", b"token"})


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[object, ApiKey] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization mal formé : « Bearer <clé> » attendu."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Clé d'API invalide.")) from None
        key = api_key_authenticate(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Clé d'API invalide, révoquée ou inconnue."))
        return (key.user or AnonymousUser(), key)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "cleApi"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("Clé d'API créée dans l'administration : « Authorization: Bearer <clé> ».")),
        }
