"""A small OpenID Connect provider (django-oidc-provider) that the tests start on loopback.

It stands for FranceConnect or a commune's own provider: Guichet signs in against it for real
(discovery, authorization code with PKCE, token, ID token signature, userinfo).
"""
