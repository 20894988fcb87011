"""An agent's browser signing in with the commune's directory: the loopback OpenID Connect provider of
tests/oidc_op/ (django-oidc-provider), whose ID tokens carry the claims a test writes (groups, amr…)."""

import requests

from tests.accounts.oidc import Provider, through_provider

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
    return through_provider(browser, provider, to_provider, meanwhile=meanwhile)
