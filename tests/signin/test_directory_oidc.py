"""Agents sign in with the commune's OpenID Connect provider, end to end against a real provider on loopback.

The provider (tests/oidc_op/, django-oidc-provider) runs as a subprocess; Guichet runs under the live server.
Nothing is mocked: discovery, authorization code with PKCE, token exchange, ID token signature, and the groups
claim the provider puts in the ID token (written by each test, as a directory administrator would change them).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from guichet.accounts import single_logout
from guichet.accounts.models import User
from guichet.lib.sessions import SessionStore
from guichet.organisation.models import Agent, Role
from guichet.signin import oidc
from guichet.signin.models import (
    DirectoryAccount,
    DirectoryGroupMapping,
    DirectorySource,
    FailureReason,
    SignInFailure,
    SignInLock,
)
from tests import factories
from tests.accounts.oidc import CLIENT_ID, CLIENT_SECRET
from tests.signin.directory import BUTTON, CALLBACK, START, agent_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

IDENTITY = {"preferred_username": "egarnier", "given_name": "Éloïse", "family_name": "Garnier"}
IDENTITY["email"] = "eloise.garnier@mairie.test"
REFUSED_NO_GROUP = "vous n’êtes dans aucun groupe qui donne accès à Guichet"


@pytest.fixture
def directory(oidc_provider, settings, commune):
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["password", "oidc"]
    settings.GUICHET_AGENT_OIDC_SERVER_URL = oidc_provider.issuer
    settings.GUICHET_AGENT_OIDC_CLIENT_ID = CLIENT_ID
    settings.GUICHET_AGENT_OIDC_SECRET = CLIENT_SECRET
    settings.GUICHET_SIGNIN_IP_RATE = "1000/m"
    settings.GUICHET_AGENT_DIRECTORY_GROUPS = ""
    oidc_provider.set_claims({})
    return oidc_provider


@pytest.fixture
def mapping(db):
    voirie = factories.ServiceFactory(name="Voirie", slug="voirie")
    etat_civil = factories.ServiceFactory(name="État civil", slug="etat-civil")
    DirectoryGroupMapping.objects.create(group="voirie", role=Role.SERVICE_AGENT).services.set([voirie])
    DirectoryGroupMapping.objects.create(group="etat-civil").services.set([etat_civil])
    DirectoryGroupMapping.objects.create(group="direction", role=Role.SUPERVISOR)
    return {"voirie": voirie, "etat-civil": etat_civil}


def groups(provider, *names: str, **extra) -> None:
    provider.set_claims({"eloise": {**IDENTITY, "groups": list(names), **extra}})


def test_first_sign_in_creates_the_agent_with_the_role_and_services_of_its_groups(live_server, directory, mapping):
    groups(directory, "voirie", "etat-civil", "tout-le-personnel")
    inbox = agent_sign_in(live_server, directory)
    assert inbox.status_code == 200
    assert urlsplit(inbox.url).path == "/agent/"
    query = inbox.authorize_query
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32

    user = User.objects.get(username="egarnier")
    assert (user.first_name, user.last_name, user.email) == ("Éloïse", "Garnier", "eloise.garnier@mairie.test")
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    agent = Agent.objects.get(user=user)
    assert agent.role == Role.SERVICE_AGENT
    assert set(agent.services.all()) == {mapping["voirie"], mapping["etat-civil"]}
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.issuer) == (DirectorySource.OIDC, directory.issuer)
    assert account.groups == ["etat-civil", "tout-le-personnel", "voirie"]


def test_each_sign_in_sets_the_role_and_services_again_from_the_groups(live_server, directory, mapping):
    groups(directory, "voirie")
    agent_sign_in(live_server, directory)
    groups(directory, "etat-civil", "direction", amr=["pwd", "otp"])
    again = agent_sign_in(live_server, directory)
    assert urlsplit(again.url).path == "/agent/"
    agent = Agent.objects.get(user__username="egarnier")
    assert agent.role == Role.SUPERVISOR
    assert list(agent.services.all()) == [mapping["etat-civil"]]
    assert User.objects.filter(username="egarnier").count() == 1


def test_groups_from_the_environment_apply_when_the_admin_lists_none(live_server, directory, settings):
    accueil = factories.ServiceFactory(name="Accueil", slug="accueil")
    settings.GUICHET_AGENT_DIRECTORY_GROUPS = "/guichet-accueil=reception:accueil;autre=supervisor"
    groups(directory, "/guichet-accueil")  # Keycloak's full group path
    agent_sign_in(live_server, directory)
    agent = Agent.objects.get(user__username="egarnier")
    assert agent.role == Role.RECEPTION
    assert list(agent.services.all()) == [accueil]


def test_someone_in_no_mapped_group_is_refused_with_a_clear_page(live_server, directory, mapping):
    groups(directory, "stagiaires")
    page = agent_sign_in(live_server, directory)
    assert page.status_code == 403
    assert REFUSED_NO_GROUP in page.text
    assert not User.objects.filter(username="egarnier").exists()
    failure = SignInFailure.objects.get()
    assert (failure.reason, failure.username) == (FailureReason.NO_GROUP, "egarnier")
    assert not SignInLock.objects.exists()  # a refusal by the directory is not a guess


def test_a_deactivated_agent_stays_refused_and_unchanged(live_server, directory, mapping):
    groups(directory, "voirie")
    agent_sign_in(live_server, directory)
    User.objects.filter(username="egarnier").update(is_active=False)
    groups(directory, "direction")
    page = agent_sign_in(live_server, directory)
    assert page.status_code == 403
    assert "Votre compte Guichet est désactivé" in page.text
    assert "_auth_user_id" not in SessionStore(session_key=page.browser.cookies["sessionid"])
    assert Agent.objects.get(user__username="egarnier").role == Role.SERVICE_AGENT
    assert SignInFailure.objects.get().reason == FailureReason.DEACTIVATED


def test_a_callback_without_the_sessions_state_signs_nobody_in(live_server, directory, mapping):
    groups(directory, "voirie")
    forged = requests.get(f"{live_server.url}{CALLBACK}?code=vole&state=inconnu")
    assert forged.status_code == 403
    assert "n’a pas pu être vérifiée" in forged.text
    assert not User.objects.filter(username="egarnier").exists()
    assert SignInFailure.objects.get().reason == FailureReason.DIRECTORY_ERROR


def test_a_callback_with_another_state_than_the_one_sent_is_refused(live_server, directory, mapping):
    groups(directory, "voirie")

    def other_state(browser: requests.Session) -> None:
        session = SessionStore(session_key=browser.cookies["sessionid"])
        session[oidc.SESSION_KEY] = {**session[oidc.SESSION_KEY], "state": "un-autre-etat"}
        session.save()

    page = agent_sign_in(live_server, directory, meanwhile=other_state)
    assert page.status_code == 403
    assert not User.objects.filter(username="egarnier").exists()


def test_an_id_token_whose_nonce_differs_is_refused(live_server, directory, mapping):
    groups(directory, "voirie")

    def other_nonce(browser: requests.Session) -> None:
        session = SessionStore(session_key=browser.cookies["sessionid"])
        session[oidc.SESSION_KEY] = {**session[oidc.SESSION_KEY], "nonce": "un-autre-nonce-que-celui-envoye"}
        session.save()

    page = agent_sign_in(live_server, directory, meanwhile=other_nonce)
    assert page.status_code == 403
    assert not User.objects.filter(username="egarnier").exists()
    assert SignInFailure.objects.get().reason == FailureReason.DIRECTORY_ERROR


def test_a_wrong_pkce_verifier_gets_no_token(live_server, directory, mapping):
    groups(directory, "voirie")

    def other_verifier(browser: requests.Session) -> None:
        session = SessionStore(session_key=browser.cookies["sessionid"])
        session[oidc.SESSION_KEY] = {**session[oidc.SESSION_KEY], "verifier": "x" * 64}
        session.save()

    page = agent_sign_in(live_server, directory, meanwhile=other_verifier)
    assert page.status_code == 403
    assert not User.objects.filter(username="egarnier").exists()


def test_the_providers_mfa_skips_guichets_second_step_and_a_password_alone_does_not(
    live_server, directory, mapping, settings
):
    settings.GUICHET_2FA_REQUIRED = True
    groups(directory, "direction", amr=["pwd"])
    page = agent_sign_in(live_server, directory)
    assert urlsplit(page.url).path == "/agent/securite/activer/"  # a supervisor must enrol a TOTP app
    groups(directory, "direction", amr=["pwd", "mfa"])
    page = agent_sign_in(live_server, directory)
    assert urlsplit(page.url).path == "/agent/"


def test_a_citizens_account_of_the_same_name_is_never_taken_over(live_server, directory, mapping):
    factories.UserFactory(username="egarnier")  # no Agent: a citizen's account
    groups(directory, "voirie")
    page = agent_sign_in(live_server, directory)
    assert page.status_code == 403
    assert not Agent.objects.filter(user__username="egarnier").exists()
    assert not DirectoryAccount.objects.exists()


def test_a_local_agent_of_the_same_name_joins_the_directory(live_server, directory, mapping):
    local = factories.AgentFactory(user__username="egarnier", role=Role.RECEPTION).user
    groups(directory, "voirie")
    agent_sign_in(live_server, directory)
    assert DirectoryAccount.objects.get().user == local
    assert Agent.objects.get(user=local).role == Role.SERVICE_AGENT


def test_signing_out_also_ends_the_providers_session(live_server, directory, mapping):
    groups(directory, "voirie")
    browser = agent_sign_in(live_server, directory).browser
    kept = SessionStore(session_key=browser.cookies["sessionid"])[single_logout.LOGIN_SESSION_KEY]
    assert kept["end_session_endpoint"] == f"{directory.issuer}/end-session"
    to_provider = browser.post(
        f"{live_server.url}/agent/deconnexion/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
    )
    end_session = urlsplit(to_provider.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{directory.issuer}/end-session"
    assert parse_qs(end_session.query)["id_token_hint"] == [kept["id_token"]]
    back = browser.get(to_provider.headers["Location"])
    assert urlsplit(back.url).path == "/agent/connexion/"
    # The provider forgot the browser: a new sign-in shows its login form again.
    browser.get(f"{live_server.url}/agent/connexion/")
    again = browser.post(
        f"{live_server.url}{START}", data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]}, allow_redirects=False
    )
    answer = browser.get(again.headers["Location"], allow_redirects=False)
    assert answer.headers["Location"].startswith("/accounts/login/")


def test_without_a_provider_the_page_has_no_button_and_the_start_is_not_found(client, settings, commune):
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["password"]
    page = client.get("/agent/connexion/")
    assert BUTTON not in page.text and "Mot de passe" in page.text
    assert client.post(START).status_code == 404


def test_a_next_address_elsewhere_is_not_followed(live_server, directory, mapping):
    groups(directory, "voirie")
    page = agent_sign_in(live_server, directory, next_url="https://ailleurs.example/piege")
    assert page.url == f"{live_server.url}/agent/"


def test_starting_needs_a_post_and_the_directory_pages_are_rate_limited(client, settings, commune):
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["oidc"]
    settings.GUICHET_AGENT_OIDC_SERVER_URL = "http://127.0.0.1:9/openid"
    settings.GUICHET_AGENT_OIDC_CLIENT_ID = CLIENT_ID
    settings.GUICHET_SIGNIN_IP_RATE = "3/m"
    assert client.get(START).status_code == 405
    answers = [client.get(f"{CALLBACK}?state=x&code=y", REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert answers == [403, 403, 403, 429]
    page = client.get("/agent/connexion/")
    assert BUTTON in page.text and "Mot de passe" not in page.text  # oidc alone: no password form


def test_the_admin_shows_where_each_agent_comes_from(client, commune, service, django_assert_max_num_queries):
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    factories.AgentFactory(user__username="local", services=[service])
    for n in range(3):
        user = factories.AgentFactory(user__username=f"annuaire{n}").user
        DirectoryAccount.objects.create(user=user, source=DirectorySource.OIDC, issuer="https://sso", subject=str(n))
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        page = client.get("/admin/organisation/agent/")
    assert page.status_code == 200
    assert page.text.count("Annuaire OpenID Connect (rôle et services repris à chaque connexion)") == 3
    assert "Compte local" in page.text
