"""Sign-in with OpenID Connect, end to end, against a real provider running on loopback.

The provider is a small Django project (tests/oidc_op/, django-oidc-provider) started as a
subprocess on a free port; Guichet runs under pytest-django's live server. Nothing is mocked:
discovery, authorization code with PKCE, token exchange, ID token signature, userinfo.
"""

import datetime
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from guichet.accounts.models import User
from guichet.citizens.models import Citizen
from tests.accounts.oidc import USER_EMAIL, app, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_with_a_communes_own_provider_prefills_the_profile(live_server, oidc_provider, settings, commune):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app("mairie", "Compte Ma Ville", oidc_provider)]},
        "franceconnect": {"APPS": []},
    }
    page = requests.get(f"{live_server.url}/compte/login/")
    assert "S’identifier avec Compte Ma Ville" in page.text

    dashboard = sign_in(live_server, oidc_provider, "/compte/oidc/mairie/login/")
    assert dashboard.status_code == 200
    assert urlsplit(dashboard.url).path == "/compte/"
    assert "Bonjour Éloïse Garnier" in dashboard.text
    assert dashboard.authorize_query["code_challenge_method"] == ["S256"]  # PKCE

    user = User.objects.get(email=USER_EMAIL)
    assert SocialAccount.objects.filter(user=user, provider="mairie").exists()
    citizen = Citizen.objects.get(user=user)
    assert (citizen.first_name, citizen.last_name, citizen.email) == ("Éloïse", "Garnier", USER_EMAIL)
    assert citizen.birth_date == datetime.date(1984, 2, 29)


def test_franceconnect_sends_acr_values_and_a_nonce_that_the_id_token_matches(
    live_server, oidc_provider, settings, commune
):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": []},
        "franceconnect": {
            "APPS": [app("franceconnect", "FranceConnect", oidc_provider, auth_params={"acr_values": "eidas1"})]
        },
    }
    dashboard = sign_in(live_server, oidc_provider, "/compte/franceconnect/login/")
    assert dashboard.authorize_query["acr_values"] == ["eidas1"]
    assert len(dashboard.authorize_query["nonce"][0]) >= 32
    assert dashboard.status_code == 200
    assert "Bonjour Éloïse Garnier" in dashboard.text
    assert SocialAccount.objects.filter(provider="franceconnect", user__email=USER_EMAIL).exists()


def test_a_callback_without_the_sessions_state_signs_nobody_in(live_server, oidc_provider, settings, commune):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [app("mairie", "Compte Ma Ville", oidc_provider)]},
        "franceconnect": {"APPS": []},
    }
    forged = requests.get(f"{live_server.url}/compte/oidc/mairie/login/callback/?code=volé&state=inconnu")
    assert "Bonjour" not in forged.text
    assert not User.objects.filter(email=USER_EMAIL).exists()


def test_franceconnect_refuses_an_id_token_whose_nonce_differs(live_server, oidc_provider, settings, commune):
    from guichet.accounts.franceconnect.views import NONCE_SESSION_KEY
    from guichet.lib.sessions import SessionStore

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": []},
        "franceconnect": {"APPS": [app("franceconnect", "FranceConnect", oidc_provider)]},
    }

    def replace_nonce(browser: requests.Session) -> None:
        session = SessionStore(session_key=browser.cookies["sessionid"])
        session[NONCE_SESSION_KEY] = "un-autre-nonce-que-celui-envoye-au-fournisseur"
        session.save()

    page = sign_in(live_server, oidc_provider, "/compte/franceconnect/login/", meanwhile=replace_nonce)
    assert "Bonjour" not in page.text
    assert not User.objects.filter(email=USER_EMAIL).exists()
