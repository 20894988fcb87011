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
