"""Typed requests for views behind a sign-in check: there ``request.user`` is a ``User``, never anonymous."""

from django.http import HttpRequest

from guichet.accounts.models import User


class SignedInRequest(HttpRequest):
    user: User
