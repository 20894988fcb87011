"""Sign-in with OpenID Connect, end to end, against a real provider running on loopback.

The provider is a small Django project (tests/oidc_op/, django-oidc-provider) started as a
subprocess on a free port; Guichet runs under pytest-django's live server. Nothing is mocked:
discovery, authorization code with PKCE, token exchange, ID token signature, userinfo.
"""

import datetime
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings

from guichet.accounts.models import User
from guichet.citizens.models import Citizen
from tests.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "guichet-rp"
CLIENT_SECRET = "secret-de-test-du-client"
USER_EMAIL = "eloise.garnier@example.org"
USER_PASSWORD = "mot-de-passe-fournisseur"


@dataclass
class Provider:
    url: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"


@pytest.fixture(scope="session")
def oidc_provider(live_server) -> Iterator[Provider]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "op.log", "w+") as log:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_op.settings",
            "OP_SITE_URL": url,
            "OP_DATABASE": str(Path(tmp) / "op.sqlite3"),
            # Exact match, port included: computed from the live server's address.
            "OP_REDIRECT_URIS": " ".join(
                [
                    f"{live_server.url}/compte/oidc/mairie/login/callback/",
                    f"{live_server.url}/compte/franceconnect/login/callback/",
                ]
            ),
            "OP_CLIENT_ID": CLIENT_ID,
            "OP_CLIENT_SECRET": CLIENT_SECRET,
            "OP_USER_EMAIL": USER_EMAIL,
            "OP_USER_PASSWORD": USER_PASSWORD,
        }
        env.pop("DATABASE_URL", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_op.serve", str(port)],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            for line in process.stdout:  # "RSA key … created", then "ready" once it listens
                if line.strip() == "ready":
                    break
            else:
                log.seek(0)
                raise RuntimeError(f"the OIDC provider did not start: {log.read()}")
            yield Provider(url=url)
        finally:
            process.terminate()
            process.wait(timeout=10)


def app(provider_id: str, name: str, provider: Provider, **extra) -> dict:
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "settings": {"server_url": provider.issuer, "scope": ["openid", "profile", "email"], **extra},
    }


def sign_in(live_server, provider: Provider, start_path: str, meanwhile=None) -> requests.Response:
    """What a browser does: Guichet's button (POST), the provider's login form, back to Guichet."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/compte/login/?next=/compte/")
    assert page.status_code == 200
    to_provider = browser.post(
        f"{live_server.url}{start_path}?next=/compte/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
    )
    assert to_provider.status_code == 302, to_provider.text
    authorize = urlsplit(to_provider.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.issuer}/authorize"
    if meanwhile:
        meanwhile(browser)
    login_form = browser.get(to_provider.headers["Location"])
    assert "Fournisseur d'identité de test" in login_form.text
    back = browser.post(
        login_form.url,
        data={
            "csrfmiddlewaretoken": browser.cookies["op_csrftoken"],
            "username": "eloise",
            "password": USER_PASSWORD,
            "next": parse_qs(urlsplit(login_form.url).query)["next"][0],
        },
    )
    back.authorize_query = parse_qs(authorize.query)
    return back


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
    from django.contrib.sessions.backends.cached_db import SessionStore

    from guichet.accounts.franceconnect.views import NONCE_SESSION_KEY

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
