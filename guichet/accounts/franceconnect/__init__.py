"""FranceConnect (v2) as an allauth provider: OpenID Connect plus what FranceConnect adds.

FranceConnect requires a ``nonce`` (allauth's generic client sends none) and answers ``/userinfo``
with a signed JWT (``application/jwt``) instead of JSON. Everything else is the standard code flow.
"""
