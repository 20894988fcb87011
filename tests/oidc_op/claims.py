import json
import os
from pathlib import Path

# The identity the provider vouches for, as FranceConnect's "identité pivot" would give it.
IDENTITY = {
    "given_name": "Éloïse",
    "family_name": "Garnier",
    "birthdate": "1984-02-29",
}


def userinfo(claims: dict, user) -> dict:
    claims.update(IDENTITY)
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


def idtoken_hook(id_token: dict, user, token, request, **kwargs) -> dict:
    """Extra ID token claims per user name (groups, preferred_username, amr…), read from OP_CLAIMS_FILE at each
    sign-in, so that a test changes a person's groups in the directory between two sign-ins."""
    path = os.environ.get("OP_CLAIMS_FILE")
    if path and Path(path).exists():
        id_token.update(json.loads(Path(path).read_text()).get(user.username, {}))
    return id_token
