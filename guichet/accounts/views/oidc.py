"""allauth's OpenID Connect callback, with an adapter that also remembers what single logout needs."""

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

from guichet.accounts.single_logout import SingleLogoutAdapterMixin


class OIDCAdapter(SingleLogoutAdapterMixin, OpenIDConnectOAuth2Adapter):
    pass


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2CallbackView.adapter_view(OIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
