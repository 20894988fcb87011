"""Signing out of Guichet also ends the identity provider's session (RP-initiated logout).

End to end against the loopback django-oidc-provider: discovery gives its end_session_endpoint, Guichet
sends id_token_hint, state and post_logout_redirect_uri, the provider ends its session and sends the
browser back, and Guichet checks the state.
"""

import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
import pytest
import requests
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.urls import reverse

from guichet.accounts import single_logout
from guichet.lib.sessions import SessionStore
from tests.accounts.conftest import PASSWORD
from tests.accounts.oidc import CLIENT_ID, USER_EMAIL, app, sign_in

SIGNED_OUT = "Vous êtes déconnecté"
RETURN_PATH = "/compte/deconnexion/retour/"


def configure(settings, provider, provider_id: str, **extra) -> str:
    apps = [app(provider_id, "Fournisseur", provider, **extra)]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": apps if provider_id != "franceconnect" else []},
        "franceconnect": {"APPS": apps if provider_id == "franceconnect" else []},
    }
    return "/compte/franceconnect/login/" if provider_id == "franceconnect" else f"/compte/oidc/{provider_id}/login/"


def sign_out(live_server, browser: requests.Session) -> requests.Response:
    page = browser.get(f"{live_server.url}/compte/")
    assert page.status_code == 200 and "Bonjour" in page.text
    return browser.post(
        f"{live_server.url}/compte/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{live_server.url}/compte/"},
        allow_redirects=False,
    )


def provider_session_is_alive(live_server, provider, browser: requests.Session, start_path: str) -> bool:
    """Start a new sign-in: a provider that still knows the browser sends it straight back, without its form."""
    browser.get(f"{live_server.url}/compte/login/")
    to_provider = browser.post(
        f"{live_server.url}{start_path}",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
    )
    answer = browser.get(to_provider.headers["Location"], allow_redirects=False)
    location = answer.headers.get("Location", "")
    if location.startswith(live_server.url):
        return True
    assert location.startswith("/accounts/login/"), (answer.status_code, location)  # the provider's form
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider_id", ["franceconnect", "mairie"])
def test_sign_out_ends_the_providers_session_and_comes_back_signed_out(
    live_server, oidc_provider, settings, commune, provider_id
):
    start_path = configure(settings, oidc_provider, provider_id)
    signed_in = sign_in(live_server, oidc_provider, start_path)
    browser = signed_in.browser
    assert provider_session_is_alive(live_server, oidc_provider, requests_clone(browser), start_path)
    # The ID token is kept in the session, not in allauth's tables.
    kept = SessionStore(session_key=browser.cookies["sessionid"])[single_logout.LOGIN_SESSION_KEY]
    assert kept["provider"] == provider_id
    assert not SocialToken.objects.exists()
    assert kept["id_token"] not in json.dumps(SocialAccount.objects.get(user__email=USER_EMAIL).extra_data)

    to_provider = sign_out(live_server, browser)
    assert to_provider.status_code == 302
    end_session = urlsplit(to_provider.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{oidc_provider.issuer}/end-session"
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{live_server.url}{RETURN_PATH}"]
    assert len(query["state"][0]) >= 32
    assert query["id_token_hint"] == [kept["id_token"]]
    assert jwt.decode(kept["id_token"], options={"verify_signature": False})["aud"] == CLIENT_ID
    # Signed out of Guichet before leaving for the provider.
    assert browser.get(f"{live_server.url}/compte/", allow_redirects=False).status_code == 302

    back = browser.get(to_provider.headers["Location"])
    assert back.status_code == 200
    assert urlsplit(back.url).path == "/"
    assert SIGNED_OUT in back.text
    assert "Bonjour" not in back.text
    assert not provider_session_is_alive(live_server, oidc_provider, browser, start_path)


def requests_clone(browser: requests.Session) -> requests.Session:
    clone = requests.Session()
    clone.cookies.update(browser.cookies)
    return clone


@pytest.mark.django_db(transaction=True)
def test_a_return_with_another_state_is_refused(live_server, oidc_provider, settings, commune):
    start_path = configure(settings, oidc_provider, "mairie")
    browser = sign_in(live_server, oidc_provider, start_path).browser
    to_provider = urlsplit(sign_out(live_server, browser).headers["Location"])
    query = parse_qs(to_provider.query)
    query["state"] = ["un-etat-que-guichet-n-a-jamais-envoye"]
    forged = urlunsplit(to_provider._replace(query=urlencode(query, doseq=True)))

    back = browser.get(forged)  # the provider ends its session and echoes the forged state
    assert back.status_code == 400
    assert urlsplit(back.url).path == RETURN_PATH
    assert "n’a pas pu être vérifié" in back.text
    assert SIGNED_OUT not in back.text
    # The state was used up: the genuine one no longer works either.
    genuine = requests.get(
        f"{live_server.url}{RETURN_PATH}?state={query['state'][0]}", cookies=browser.cookies, allow_redirects=False
    )
    assert genuine.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_provider_without_end_session_endpoint_signs_out_locally(live_server, oidc_provider, settings, commune):
    start_path = configure(
        settings, oidc_provider, "mairie", openid_configuration_overrides={"end_session_endpoint": None}
    )
    browser = sign_in(live_server, oidc_provider, start_path).browser
    signed_out = sign_out(live_server, browser)
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"] == "/"


@pytest.mark.django_db
def test_a_password_users_sign_out_stays_on_the_site(client, account):
    client.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert SIGNED_OUT in client.get("/").content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_password_sign_in_forgets_an_earlier_providers_token(client, account):
    session = client.session
    session[single_logout.LOGIN_SESSION_KEY] = {
        "provider": "mairie",
        "id_token": "a.b.c",
        "end_session_endpoint": "https://idp.example.org/logout",
    }
    session.save()
    client.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert single_logout.LOGIN_SESSION_KEY not in client.session
    assert client.post(reverse("account_logout"))["Location"] == "/"


@pytest.mark.django_db
def test_sign_out_needs_a_post_with_csrf(client, account):
    client.force_login(account)
    session = client.session
    session[single_logout.LOGIN_SESSION_KEY] = {
        "provider": "franceconnect",
        "id_token": "a.b.c",
        "end_session_endpoint": "https://idp.example.org/logout",
    }
    session.save()
    assert client.get(reverse("account_logout")).status_code == 200  # confirmation page only
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.cookies = client.cookies
    assert csrf_client.post(reverse("account_logout")).status_code == 403
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
def test_the_return_page_without_a_pending_sign_out_is_refused(client):
    response = client.get(RETURN_PATH, {"state": "quelconque"})
    assert response.status_code == 400
    assert "n’a pas pu être vérifié" in response.content.decode()
