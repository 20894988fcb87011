import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.api.keys import api_key_authenticate, api_key_create, api_key_revoke
from guichet.api.models import ApiKey, Scope

pytestmark = pytest.mark.django_db


def test_the_raw_key_is_returned_once_and_only_its_hash_is_stored():
    key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    prefix, secret = raw.split(".")
    assert prefix == key.prefix
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in stored.secret_hash and secret not in str(stored.__dict__)
    assert api_key_authenticate(raw) == key


@pytest.mark.parametrize("raw", ["", "nodot", ".secret", "prefix.", "x" * 40 + ".y"])
def test_malformed_keys_are_refused(raw):
    api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    assert api_key_authenticate(raw) is None


def test_a_wrong_secret_or_a_revoked_key_is_refused():
    key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    assert api_key_authenticate(f"{key.prefix}.wrong") is None
    api_key_revoke(key)
    assert api_key_authenticate(raw) is None
    assert not key.has_scope(Scope.OPEN311_WRITE)


def test_a_key_of_an_inactive_agent_is_refused(agent):
    key, raw = api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ], user=agent)
    agent.is_active = False
    agent.save()
    assert api_key_authenticate(raw) is None


def test_ticket_scopes_need_an_agent_and_scopes_must_be_known():
    with pytest.raises(ValidationError):
        api_key_create(name="Outil", owner="DSI", scopes=[Scope.TICKETS_READ])
    with pytest.raises(ValidationError):
        api_key_create(name="Outil", owner="DSI", scopes=["admin:all"])


def test_last_use_is_recorded_without_a_write_on_every_call(django_assert_num_queries):
    key, raw = api_key_create(name="Appli", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    assert api_key_authenticate(raw).last_used_at is not None
    with django_assert_num_queries(1):
        api_key_authenticate(raw)


def test_the_admin_shows_a_new_key_once_and_can_revoke(admin_client):
    response = admin_client.post(
        reverse("admin:api_apikey_add"),
        {"name": "Appli citoyenne", "owner": "Métropole", "scopes": [Scope.OPEN311_WRITE]},
        follow=True,
    )
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"] if f"{key.prefix}." in str(m)]
    assert len(shown) == 1
    raw = shown[0].rsplit(" ", 1)[-1]
    assert api_key_authenticate(raw) == key
    admin_client.post(
        reverse("admin:api_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    assert api_key_authenticate(raw) is None
