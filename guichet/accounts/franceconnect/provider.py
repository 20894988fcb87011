import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest

from guichet.accounts.franceconnect.views import NONCE_SESSION_KEY, FranceConnectAdapter


class FranceConnectProvider(OpenIDConnectProvider):
    id = "franceconnect"
    name = "FranceConnect"
    oauth2_adapter_class = FranceConnectAdapter

    def get_default_scope(self) -> list[str]:
        return ["openid", "given_name", "family_name", "email", "birthdate"]

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        request.session[NONCE_SESSION_KEY] = nonce
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        return super().redirect(request, process, next_url=next_url, data=data, auth_params=auth_params, **kwargs)


provider_classes = [FranceConnectProvider]
