"""Agents sign in with the commune's LDAP directory through the usual form, against a real slapd.

The form keeps its rules: a wrong password (a failed bind) is logged and counts toward the account's lock; the
directory's groups give the role and services, again at each sign-in; someone in no mapped group is told why.
"""

import pytest
from django.urls import reverse

from guichet.accounts.models import User
from guichet.organisation.models import Agent, Role
from guichet.signin.directory import LDAP_BACKEND
from guichet.signin.models import (
    DirectoryAccount,
    DirectoryGroupMapping,
    DirectorySource,
    FailureReason,
    SignInFailure,
    SignInLock,
)
from tests import factories
from tests.signin.slapd import ADMIN_DN, ADMIN_PASSWORD, GROUPS, PASSWORD, PEOPLE, run_slapd

pytestmark = pytest.mark.django_db


@pytest.fixture
def slapd(tmp_path):
    yield from run_slapd(tmp_path / "slapd")


@pytest.fixture
def directory(slapd, settings, commune):
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["password", "ldap"]
    settings.AUTHENTICATION_BACKENDS = [LDAP_BACKEND, *settings.AUTHENTICATION_BACKENDS]
    settings.GUICHET_AGENT_LDAP_URI = slapd.uri
    settings.GUICHET_AGENT_LDAP_BIND_DN = ADMIN_DN
    settings.GUICHET_AGENT_LDAP_BIND_PASSWORD = ADMIN_PASSWORD
    settings.GUICHET_AGENT_LDAP_USER_BASE = PEOPLE
    settings.GUICHET_AGENT_LDAP_GROUP_BASE = GROUPS
    settings.GUICHET_SIGNIN_LOCK_AFTER = 5
    settings.GUICHET_SIGNIN_IP_RATE = "1000/m"
    voirie = factories.ServiceFactory(name="Voirie", slug="voirie")
    DirectoryGroupMapping.objects.create(group="voirie", role=Role.SERVICE_AGENT).services.set([voirie])
    DirectoryGroupMapping.objects.create(group=f"cn=direction,{GROUPS}", role=Role.SUPERVISOR)  # by DN
    return slapd


def sign_in(client, username, password, ip="192.0.2.1"):
    return client.post(reverse("backoffice:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_directory_password_signs_in_and_creates_the_agent_from_its_groups(client, directory):
    page = client.get(reverse("backoffice:login"))
    assert "Mot de passe" in page.text
    response = sign_in(client, "egarnier", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("backoffice:inbox")
    user = User.objects.get(username="egarnier")
    assert (user.first_name, user.last_name, user.email) == ("Éloïse", "Garnier", "eloise.garnier@mairie.test")
    assert not user.has_usable_password()
    agent = Agent.objects.get(user=user)
    assert agent.role == Role.SERVICE_AGENT
    assert [s.slug for s in agent.services.all()] == ["voirie"]
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.issuer, account.subject) == (DirectorySource.LDAP, PEOPLE, "egarnier")
    assert f"cn=voirie,{GROUPS}" in account.groups and "voirie" in account.groups


def test_each_sign_in_takes_the_groups_again(client, directory):
    sign_in(client, "egarnier", PASSWORD)
    client.logout()
    directory.ldif(
        f"dn: cn=direction,{GROUPS}\nchangetype: modify\nadd: member\nmember: uid=egarnier,{PEOPLE}\n\n"
        f"dn: cn=voirie,{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid=egarnier,{PEOPLE}\n"
        f"-\nadd: member\nmember: {ADMIN_DN}\n"
    )
    assert sign_in(client, "egarnier", PASSWORD).status_code == 302
    agent = Agent.objects.get(user__username="egarnier")
    assert agent.role == Role.SUPERVISOR
    assert not agent.services.exists()


def test_a_failed_bind_is_logged_and_counts_toward_the_lock(client, directory):
    for n in range(5):
        response = sign_in(client, "egarnier", "pas-le-bon", ip=f"192.0.2.{n + 10}")
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in response.text
    assert SignInFailure.objects.filter(reason=FailureReason.BAD_PASSWORD, username="egarnier").count() == 5
    assert SignInLock.objects.get(username="egarnier").locked_until is not None
    locked = sign_in(client, "egarnier", PASSWORD)
    assert "Trop d’essais infructueux pour cet identifiant" in locked.text
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="egarnier").exists()


def test_someone_in_no_mapped_group_is_told_why_and_not_locked(client, directory):
    response = sign_in(client, "pmartin", PASSWORD)
    assert response.status_code == 200
    assert "vous n’êtes dans aucun groupe qui donne accès à Guichet" in response.text
    assert not User.objects.filter(username="pmartin").exists()
    assert SignInFailure.objects.get().reason == FailureReason.NO_GROUP
    assert not SignInLock.objects.exists()


def test_a_deactivated_agent_stays_refused(client, directory):
    sign_in(client, "egarnier", PASSWORD)
    client.logout()
    User.objects.filter(username="egarnier").update(is_active=False)
    response = sign_in(client, "egarnier", PASSWORD)
    assert "Votre compte Guichet est désactivé" in response.text
    assert "_auth_user_id" not in client.session


def test_local_passwords_still_work_beside_the_directory_unless_turned_off(client, directory, settings, service):
    local = factories.AgentFactory(user__username="secretaire", services=[service]).user
    assert sign_in(client, local.username, "mot-de-passe-test").status_code == 302
    client.logout()
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["ldap"]
    assert sign_in(client, local.username, "mot-de-passe-test").status_code == 200
    assert sign_in(client, "egarnier", PASSWORD).status_code == 302
