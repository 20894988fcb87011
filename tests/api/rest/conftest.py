import pytest
from rest_framework.test import APIClient

from guichet.api.keys import api_key_create
from guichet.api.models import Scope

ALL_SCOPES = [Scope.CATALOGUE_READ, Scope.TICKETS_READ, Scope.TICKETS_WRITE]


def key_for(user, scopes=ALL_SCOPES) -> str:
    _key, raw = api_key_create(name="Outil", owner="DSI", scopes=scopes, user=user)
    return raw


def client_with_key(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api_as():
    """An API client authenticated by a fresh key acting as ``user`` (all REST scopes by default)."""

    def make(user, scopes=ALL_SCOPES) -> APIClient:
        return client_with_key(key_for(user, scopes))

    return make
