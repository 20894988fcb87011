"""FranceConnect v2 answers /userinfo with a signed JWT (ES256): Guichet checks the signature and reads it.

A small HTTP server on loopback plays FranceConnect's integration platform (discovery, JWKS, userinfo).
"""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from cryptography.hazmat.primitives.asymmetric import ec

from guichet.accounts.franceconnect.views import FranceConnectAdapter
from guichet.lib.sessions import SessionStore

pytestmark = pytest.mark.django_db

CLIENT_ID = "fc-client"
ACCESS_TOKEN = "jeton-d-acces"
SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
IDENTITY = {"sub": "fc-sub-1", "given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24"}


class FranceConnectStandIn(BaseHTTPRequestHandler):
    issuer = ""
    userinfo_key = SIGNING_KEY

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/api/v2/.well-known/openid-configuration":
            self._send("application/json", json.dumps(self._configuration()))
        elif self.path == "/api/v2/jwks":
            public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(SIGNING_KEY.public_key()))
            self._send("application/json", json.dumps({"keys": [{**public, "kid": "fc-key", "alg": "ES256"}]}))
        elif self.path == "/api/v2/userinfo" and self.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}":
            now = int(time.time())
            claims = {**IDENTITY, "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 60}
            token = jwt.encode(claims, type(self).userinfo_key, algorithm="ES256", headers={"kid": "fc-key"})
            self._send("application/jwt", token)
        else:
            self.send_error(404)

    def _configuration(self) -> dict:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
        }

    def _send(self, content_type: str, body: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def franceconnect(settings) -> Iterator[type[FranceConnectStandIn]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FranceConnectStandIn)
    FranceConnectStandIn.issuer = f"http://127.0.0.1:{server.server_port}/api/v2"
    FranceConnectStandIn.userinfo_key = SIGNING_KEY
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": []},
        "franceconnect": {
            "APPS": [
                {
                    "provider_id": "franceconnect",
                    "name": "FranceConnect",
                    "client_id": CLIENT_ID,
                    "secret": "s",
                    "settings": {"server_url": FranceConnectStandIn.issuer},
                }
            ]
        },
    }
    try:
        yield FranceConnectStandIn
    finally:
        server.shutdown()
        server.server_close()


def adapter(rf) -> FranceConnectAdapter:
    request = rf.get("/")
    request.session = SessionStore()
    return FranceConnectAdapter(request, "franceconnect")


def test_signed_userinfo_is_verified_and_read(rf, franceconnect):
    claims = adapter(rf)._fetch_user_info(ACCESS_TOKEN)
    assert claims["given_name"] == "Angela Claire Louise"
    assert claims["birthdate"] == "1962-08-24"


def test_userinfo_signed_by_another_key_is_refused(rf, franceconnect):
    franceconnect.userinfo_key = OTHER_KEY
    with pytest.raises(OAuth2Error):
        adapter(rf)._fetch_user_info(ACCESS_TOKEN)
