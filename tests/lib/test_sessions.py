"""guichet.lib.sessions: visitors' sessions live in the shared cache only, signed-in ones in the database too."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from guichet.lib.sessions import IN_DATABASE, SessionStore
from guichet.tickets.models import Ticket
from tests.accounts.conftest import PASSWORD, make_account
from tests.portal.test_submission import form_data

pytestmark = pytest.mark.django_db


def test_a_visitor_sending_a_request_writes_no_session_row_and_keeps_access(client, request_type):
    url = reverse("portal:request_form", args=[request_type.slug])
    client.get(url)
    assert client.post(url, form_data()).status_code == 302
    ticket = Ticket.objects.get()
    assert not Session.objects.exists()
    # The next page finds the grant in the session (from the cache).
    page = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert page.status_code == 200 and "Écrire à la mairie" in page.text


def test_signing_in_moves_the_session_to_the_database_keeping_what_the_visitor_had(client, commune):
    user = make_account()
    client.get(reverse("portal:home"))
    session = client.session
    session["guichet_tickets"] = ["ABCDEFGHJ"]
    session.save()
    assert not Session.objects.exists()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    row = Session.objects.get()
    data = row.get_decoded()
    assert data["_auth_user_id"] == str(user.pk) and data[IN_DATABASE] is True
    assert data["guichet_tickets"] == ["ABCDEFGHJ"]


def test_a_signed_in_person_stays_signed_in_when_the_cache_restarts(client, agent):
    client.force_login(agent)
    assert client.get(reverse("backoffice:inbox")).status_code == 200
    cache.clear()
    assert client.get(reverse("backoffice:inbox")).status_code == 200


def test_a_signed_in_session_deleted_meanwhile_is_not_written_back(client, agent):
    client.force_login(agent)
    client.get(reverse("backoffice:inbox"))
    key = client.cookies["sessionid"].value
    stale = SessionStore(session_key=key)
    assert stale.get(IN_DATABASE) is True, dict(stale.items())
    SessionStore(session_key=key).delete()  # signed out from another tab
    stale["something"] = "new"
    with pytest.raises(UpdateError):
        stale.save()
    assert not Session.objects.filter(session_key=key).exists()


def test_signing_out_ends_the_session(client, agent):
    client.force_login(agent)
    client.get(reverse("backoffice:inbox"))
    key = client.cookies["sessionid"].value
    client.logout()
    assert not Session.objects.filter(session_key=key).exists()
    assert not SessionStore(session_key=key).exists(key)


def test_a_new_visitor_session_is_created_without_a_database_statement(django_assert_num_queries):
    session = SessionStore()
    session["guichet_tickets"] = ["ABCDEFGHJ"]
    with django_assert_num_queries(0):
        session.save()
    assert SessionStore(session_key=session.session_key)["guichet_tickets"] == ["ABCDEFGHJ"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_a_taken_session_key_is_drawn_again_not_overwritten(monkeypatch, agent, signed_in):
    first = SessionStore()
    first["who"] = "first"
    if signed_in:
        first["_auth_user_id"] = str(agent.pk)
    first.save()
    keys = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    second = SessionStore()
    second["who"] = "second"
    if signed_in:
        second["_auth_user_id"] = str(agent.pk)
    second.save()
    assert second.session_key == "k" * 32
    assert SessionStore(session_key=first.session_key)["who"] == "first"
    assert Session.objects.filter(session_key=first.session_key).exists() is signed_in
