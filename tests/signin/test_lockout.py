"""Agents' sign-in is limited per account too: a growing lock, never permanent, on /agent/ and /admin/."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guichet.signin.models import FailureReason, SignInFailure, SignInLock
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "mot-de-passe-test"


def sign_in(client, username, password, ip, url=None):
    return client.post(url or reverse("backoffice:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_from_many_addresses(client, username, times, url=None, first=1):
    for n in range(first, first + times):
        sign_in(client, username, "faux", f"192.0.2.{n}", url)


def expire_lock(username):
    SignInLock.objects.filter(username=username).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.GUICHET_SIGNIN_LOCK_AFTER = 5
    settings.GUICHET_SIGNIN_LOCK_MINUTES = 1
    settings.GUICHET_SIGNIN_LOCK_MAX_MINUTES = 4


def test_many_addresses_against_one_account_lock_it_even_with_the_right_password(client, agent):
    fail_from_many_addresses(client, agent.username, 5)
    response = sign_in(client, agent.username, PASSWORD, "198.51.100.7")
    assert response.status_code == 200
    assert "Trop d’essais infructueux pour cet identifiant" in response.text
    assert "_auth_user_id" not in client.session
    assert SignInFailure.objects.filter(reason=FailureReason.BAD_PASSWORD, user=agent).count() == 5
    locked = SignInFailure.objects.get(reason=FailureReason.LOCKED)
    assert (locked.ip_address, locked.username) == ("198.51.100.7", agent.username)


def test_the_lock_grows_at_each_new_lock_expires_and_is_capped(client, agent):
    lock_minutes = []
    for round_ in range(4):
        fail_from_many_addresses(client, agent.username, 5, first=10 * round_ + 1)
        lock = SignInLock.objects.get(username=agent.username)
        lock_minutes.append(round((lock.locked_until - timezone.now()).total_seconds() / 60))
        expire_lock(agent.username)
    assert lock_minutes == [1, 2, 4, 4]  # 2^k minutes, capped by GUICHET_SIGNIN_LOCK_MAX_MINUTES
    # Expired: the right password works again, and a success forgets everything.
    assert sign_in(client, agent.username, PASSWORD, "198.51.100.8").status_code == 302
    assert not SignInLock.objects.exists()


def test_a_success_resets_the_failure_count(client, agent):
    fail_from_many_addresses(client, agent.username, 4)
    assert sign_in(client, agent.username, PASSWORD, "198.51.100.9").status_code == 302
    client.logout()
    fail_from_many_addresses(client, agent.username, 4, first=20)
    assert sign_in(client, agent.username, PASSWORD, "198.51.100.9").status_code == 302


def test_failures_forgotten_after_a_quiet_day_start_at_the_shortest_lock(client, agent):
    fail_from_many_addresses(client, agent.username, 5)
    expire_lock(agent.username)
    SignInLock.objects.update(last_failure_at=timezone.now() - datetime.timedelta(days=2))
    fail_from_many_addresses(client, agent.username, 5, first=30)
    lock = SignInLock.objects.get()
    assert lock.locks == 1 and lock.locked_until - timezone.now() < datetime.timedelta(minutes=1, seconds=5)


def test_unknown_user_names_lock_the_same_way(client, db):
    fail_from_many_addresses(client, "personne", 5)
    response = sign_in(client, "personne", "faux", "198.51.100.10")
    assert "Trop d’essais infructueux pour cet identifiant" in response.text


def test_admin_login_shares_the_lock_and_the_log(client):
    admin_user = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    fail_from_many_addresses(client, "admin", 5, url=admin_login)
    assert SignInFailure.objects.filter(user=admin_user, path=admin_login).count() == 5
    response = sign_in(client, "admin", PASSWORD, "198.51.100.11", url=admin_login)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Trop d’essais infructueux pour cet identifiant" in response.text
    # The lock holds on the agents' page too: one account, one lock.
    assert "Trop d’essais" in sign_in(client, "admin", PASSWORD, "198.51.100.12").text
    expire_lock("admin")
    assert sign_in(client, "admin", PASSWORD, "198.51.100.13", url=admin_login).status_code == 302


def test_admin_login_is_rate_limited_per_address(client, settings):
    settings.GUICHET_SIGNIN_IP_RATE = "3/m"
    for _ in range(3):
        sign_in(client, "admin", "faux", "198.51.100.14", url=reverse("admin:login"))
    assert sign_in(client, "admin", "faux", "198.51.100.14", url=reverse("admin:login")).status_code == 429


def test_failures_are_listed_for_the_administrator(client, agent):
    fail_from_many_addresses(client, agent.username, 2)
    client.force_login(factories.UserFactory(username="admin", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:signin_signinfailure_changelist"))
    assert page.status_code == 200 and agent.username in page.text and "192.0.2.2" in page.text
