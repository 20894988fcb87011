"""An agent's browser signing in with the commune's directory: the loopback OpenID Connect provider of
tests/oidc_op/ (django-oidc-provider), whose ID tokens carry the claims a test writes (groups, amr…)."""

from urllib.parse import parse_qs, urlsplit

import requests

from tests.accounts.oidc import USER_PASSWORD, Provider

START = "/agent/securite/annuaire/"
CALLBACK = "/agent/securite/annuaire/retour/"
BUTTON = "Se connecter avec l’annuaire de la commune"


def agent_sign_in(live_server, provider: Provider, *, meanwhile=None, next_url: str = "/agent/") -> requests.Response:
    """Guichet's button (POST), the provider's login form, back to Guichet; the last page, with the browser."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/agent/connexion/?next={next_url}")
    assert BUTTON in page.text
    to_provider = browser.post(
        f"{live_server.url}{START}",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "next": next_url},
        allow_redirects=False,
    )
    assert to_provider.status_code == 302, to_provider.text
    authorize = urlsplit(to_provider.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.issuer}/authorize"
    if meanwhile:
        meanwhile(browser)
    login_form = browser.get(to_provider.headers["Location"])
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
    back.browser = browser
    return back
