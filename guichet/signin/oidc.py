"""Agents' sign-in with the commune's OpenID Connect provider (Keycloak, ADFS, Entra ID, LemonLDAP::NG…).

Authorization code flow with PKCE (S256), a ``state`` and a ``nonce`` kept in the session, the ID token's
signature checked against the provider's published keys (PyJWT), with its issuer, audience, expiry and nonce.
The citizens' sign-in goes through django-allauth, whose social-login pipeline creates citizen records; the
agents' needs none of it (no sign-up, no email verification, its own account rules in ``signin.directory``),
so this is the short code flow itself, on PyJWT and requests.

Settings: ``GUICHET_AGENT_OIDC_*`` (docs/INSTALL.md, « Annuaire de la commune »).
"""

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from guichet.signin.directory import DirectoryIdentity
from guichet.signin.models import DirectorySource

logger = logging.getLogger("guichet.signin")

SESSION_KEY = "guichet_agent_oidc"
TIMEOUT = 10
# Asymmetric signatures only: "none" and shared-secret HMAC are never accepted.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
LEEWAY = 60


class OIDCError(Exception):
    """The provider's answer cannot be trusted or used (logged; the agent sees a French page)."""


@dataclass(frozen=True)
class SignedIn:
    identity: DirectoryIdentity
    claims: dict[str, Any]
    id_token: str
    end_session_endpoint: str


def enabled() -> bool:
    return "oidc" in settings.GUICHET_AGENT_SIGNIN_METHODS and bool(settings.GUICHET_AGENT_OIDC_SERVER_URL)


def discovery() -> dict[str, Any]:
    """The provider's metadata (cached an hour); its issuer must be the configured one."""
    issuer = settings.GUICHET_AGENT_OIDC_SERVER_URL
    key = f"guichet:agent-oidc:discovery:{issuer}"
    if config := cache.get(key):
        return config
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OIDCError(f"discovery failed: {error}") from error
    if config.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise OIDCError(f"discovery: issuer {config.get('issuer')!r} is not {issuer!r}")
    cache.set(key, config, 3600)
    return config


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authorization_url(request: HttpRequest, *, redirect_uri: str, next_url: str) -> str:
    """Where the browser goes to sign in; the state, nonce and PKCE verifier wait in the session."""
    config = discovery()
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    request.session[SESSION_KEY] = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_url}
    params = {
        "response_type": "code",
        "client_id": settings.GUICHET_AGENT_OIDC_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": " ".join(settings.GUICHET_AGENT_OIDC_SCOPES),
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    if settings.GUICHET_AGENT_OIDC_ACR_VALUES:
        params["acr_values"] = settings.GUICHET_AGENT_OIDC_ACR_VALUES
    endpoint = config["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def pending(request: HttpRequest, state: str) -> dict[str, str]:
    """The sign-in this callback answers (used once), or OIDCError when ``state`` is not ours."""
    data = request.session.pop(SESSION_KEY, None)
    if not isinstance(data, dict) or not state or not hmac.compare_digest(state.encode(), data["state"].encode()):
        raise OIDCError("state missing or not the one sent")
    return data


def _token(config: dict[str, Any], *, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    client_id, secret = settings.GUICHET_AGENT_OIDC_CLIENT_ID, settings.GUICHET_AGENT_OIDC_SECRET
    methods = config.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    auth = None
    if "client_secret_basic" in methods:
        auth = (client_id, secret)
    else:
        data.update(client_id=client_id, client_secret=secret)
    try:
        response = requests.post(config["token_endpoint"], data=data, auth=auth, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise OIDCError(f"token request failed: {error}") from error


def id_token_claims(config: dict[str, Any], id_token: str, *, nonce: str) -> dict[str, Any]:
    """The claims of an ID token whose signature, issuer, audience, expiry and nonce are right."""
    client_id = settings.GUICHET_AGENT_OIDC_CLIENT_ID
    allowed = [a for a in config.get("id_token_signing_alg_values_supported", ["RS256"]) if a in ALGORITHMS]
    try:
        key = jwt.PyJWKClient(config["jwks_uri"], timeout=TIMEOUT).get_signing_key_from_jwt(id_token)
        claims = jwt.decode(
            id_token,
            key=key.key,
            algorithms=allowed,
            audience=client_id,
            issuer=config["issuer"],
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise OIDCError(f"ID token refused: {error}") from error
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise OIDCError("ID token refused: the nonce is not the one sent")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OIDCError("ID token refused: several audiences and azp is not this client")
    return claims


def _userinfo(config: dict[str, Any], access_token: str, sub: str) -> dict[str, Any]:
    try:
        response = requests.get(
            config["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OIDCError(f"userinfo failed: {error}") from error
    if info.get("sub") != sub:
        raise OIDCError("userinfo is about someone else (sub differs)")
    return info


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path (Keycloak's ``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None and path in claims:  # a claim whose name has dots (Entra ID's URIs)
        value = claims[path]
    return value


def _groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    # Keycloak's group mapper may send full paths ("/voirie"): both spellings are tried against the mapping.
    return tuple(sorted({str(g) for g in value} | {str(g).lstrip("/") for g in value}))


def sign_in_complete(*, data: dict[str, str], code: str, redirect_uri: str) -> SignedIn:
    """Exchange the code and check the ID token: who signed in, as the provider says."""
    config = discovery()
    tokens = _token(config, code=code, verifier=data["verifier"], redirect_uri=redirect_uri)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise OIDCError("no ID token in the token response")
    claims = id_token_claims(config, id_token, nonce=data["nonce"])
    groups_claim = settings.GUICHET_AGENT_OIDC_GROUPS_CLAIM
    if claim(claims, groups_claim) is None and config.get("userinfo_endpoint") and tokens.get("access_token"):
        claims = {**_userinfo(config, tokens["access_token"], claims["sub"]), **claims}
    username = claim(claims, settings.GUICHET_AGENT_OIDC_USERNAME_CLAIM) or claims.get("email") or claims["sub"]
    identity = DirectoryIdentity(
        source=DirectorySource.OIDC,
        issuer=config["issuer"],
        subject=str(claims["sub"]),
        username=str(username),
        email=str(claims.get("email") or ""),
        first_name=str(claims.get("given_name") or ""),
        last_name=str(claims.get("family_name") or ""),
        groups=_groups(claim(claims, groups_claim)),
    )
    return SignedIn(identity, claims, id_token, config.get("end_session_endpoint", ""))


def asserts_mfa(claims: dict[str, Any]) -> bool:
    """The provider says the person used more than a password (``amr`` or ``acr``), as configured."""
    amr = claims.get("amr") or []
    amr = [amr] if isinstance(amr, str) else amr
    if set(map(str, amr)) & set(settings.GUICHET_AGENT_OIDC_MFA_AMR):
        return True
    return str(claims.get("acr", "")) in set(settings.GUICHET_AGENT_OIDC_MFA_ACR)
