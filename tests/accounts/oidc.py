"""The loopback OpenID Connect provider (tests/oidc_op/, django-oidc-provider) and a browser's sign-in.

The provider is a small Django project started as a subprocess on a free port (one per test session);
Guichet runs under pytest-django's live server.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings as django_settings

from tests.conftest import free_port

CLIENT_ID = "guichet-rp"
CLIENT_SECRET = "secret-de-test-du-client"
USER_EMAIL = "eloise.garnier@example.org"
USER_PASSWORD = "mot-de-passe-fournisseur"


@dataclass
class Provider:
    url: str
    database: Path  # the provider's SQLite file (its RSA key, to forge tokens in tests)
    claims_file: Path  # extra ID token claims per user name (tests.oidc_op.claims.idtoken_hook)

    def set_claims(self, claims: dict[str, dict]) -> None:
        self.claims_file.write_text(json.dumps(claims))

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"


def run_oidc_provider(live_server) -> Iterator[Provider]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "op.log", "w+") as log:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_op.settings",
            "OP_SITE_URL": url,
            "OP_DATABASE": str(Path(tmp) / "op.sqlite3"),
            "OP_CLAIMS_FILE": str(Path(tmp) / "claims.json"),
            # Exact match, port included: computed from the live server's address.
            "OP_REDIRECT_URIS": " ".join(
                [
                    f"{live_server.url}/compte/oidc/mairie/login/callback/",
                    f"{live_server.url}/compte/franceconnect/login/callback/",
                    f"{live_server.url}/agent/securite/annuaire/retour/",
                ]
            ),
            "OP_POST_LOGOUT_REDIRECT_URIS": f"{live_server.url}/compte/deconnexion/retour/",
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
            yield Provider(url=url, database=Path(tmp) / "op.sqlite3", claims_file=Path(tmp) / "claims.json")
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
    return through_provider(browser, provider, to_provider, meanwhile=meanwhile)


def through_provider(
    browser: requests.Session, provider: Provider, to_provider: requests.Response, *, meanwhile=None
) -> requests.Response:
    """From Guichet's redirect to the provider: its login form filled in as « eloise », and back to Guichet.

    ``meanwhile(browser)`` runs before the login form (a test alters the session there). The last page comes back
    with ``authorize_query`` (what Guichet asked the provider) and ``browser``.
    """
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
    back.browser = browser
    return back
