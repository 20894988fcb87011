"""The ID token of the commune's provider is believed only with the provider's signature, issuer, audience,
expiry and our nonce. Tokens are forged here with the loopback provider's own RSA key (read from its database)
or another key, and checked against the keys the provider really publishes (its JWKS endpoint)."""

import sqlite3
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from guichet.signin import oidc
from tests.accounts.oidc import CLIENT_ID
from tests.signin.directory import START
from tests.signin.test_directory_oidc import directory  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
NONCE = "le-nonce-envoye-au-fournisseur"


def provider_key(provider) -> tuple[str, str]:
    with sqlite3.connect(provider.database) as db:
        (pem,) = db.execute("SELECT key FROM oidc_provider_rsakey").fetchone()
    kid = requests.get(f"{provider.issuer}/jwks", timeout=5).json()["keys"][0]["kid"]
    return pem, kid


def forge(provider, key, kid: str, algorithm: str = "RS256", **changes) -> str:
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "7", "iat": now, "exp": now + 300, "nonce": NONCE}
    claims.update(changes)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm, headers={"kid": kid}
    )


def check(token: str, nonce: str = NONCE) -> dict:
    return oidc.id_token_claims(oidc.discovery(), token, nonce=nonce)


def test_a_token_signed_by_the_provider_for_us_is_accepted(directory):  # noqa: F811
    pem, kid = provider_key(directory)
    assert check(forge(directory, pem, kid))["sub"] == "7"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "http://127.0.0.1:1/openid"},
        {"aud": "un-autre-client"},
        {"aud": [CLIENT_ID, "un-autre-client"], "azp": "un-autre-client"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "un-autre-nonce"},
        {"nonce": None},
        {"sub": None},
    ],
    ids=["issuer", "audience", "azp", "expired", "nonce", "no-nonce", "no-sub"],
)
def test_a_token_with_a_wrong_claim_is_refused(directory, changes):  # noqa: F811
    pem, kid = provider_key(directory)
    with pytest.raises(oidc.OIDCError):
        check(forge(directory, pem, kid, **changes))


def test_a_token_signed_with_another_key_is_refused(directory):  # noqa: F811
    _pem, kid = provider_key(directory)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(oidc.OIDCError, match="Signature verification failed"):
        check(forge(directory, other, kid))


def test_an_unsigned_or_hmac_token_is_refused(directory):  # noqa: F811
    _pem, kid = provider_key(directory)
    with pytest.raises(oidc.OIDCError):
        check(forge(directory, None, kid, algorithm="none"))
    with pytest.raises(oidc.OIDCError):
        check(forge(directory, b"a-shared-secret-is-never-accepted", kid, algorithm="HS256"))


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(live_server, directory, settings):  # noqa: F811
    settings.GUICHET_AGENT_OIDC_SERVER_URL = directory.issuer.replace("127.0.0.1", "localhost")
    browser = requests.Session()
    browser.get(f"{live_server.url}/agent/connexion/")
    answer = browser.post(
        f"{live_server.url}{START}", data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]}, allow_redirects=False
    )
    assert answer.status_code == 503
    assert "L’annuaire de la commune ne répond pas" in answer.text
