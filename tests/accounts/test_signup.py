"""Sign-up, email verification by the link in the email, sign-in, password reset, email change."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from guichet.accounts.models import User
from guichet.citizens.models import Citizen
from guichet.lib.mail import Email
from tests.accounts.conftest import PASSWORD, make_account

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/compte/confirm-email/[^\s/]+/")


def sign_up(client, email="lea.durand@example.org"):
    return client.post(
        reverse("account_signup"),
        {
            "first_name": "Léa",
            "last_name": "Durand",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def confirmation_link(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


def test_sign_up_sends_a_verification_link_and_the_link_signs_in(client, commune):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="lea.durand@example.org")
    assert (user.first_name, user.last_name) == ("Léa", "Durand")
    assert Citizen.objects.get(user=user).full_name == "Léa Durand"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = confirmation_link(mail.outbox[0])
    # From the town hall by name, as every email to citizens; its subject on its line even when accented.
    assert mail.outbox[0].from_email.startswith(f"{commune.name} <")
    assert isinstance(mail.outbox[0], Email)

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirmer" in page.text
    response = client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_pages_are_french_in_the_portal_look(client, commune):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert "Se connecter à mon compte" in page.text
    assert 'class="site-header"' in page.text
    assert "Mot de passe oublié" in page.text
    page = client.get(reverse("account_reset_password"))
    assert "Mot de passe" in page.text and 'class="site-header"' in page.text


def test_unverified_account_cannot_sign_in(client, commune):
    make_account("nouveau@example.org", verified=False)
    response = client.post(reverse("account_login"), {"login": "nouveau@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    assert len(mail.outbox) == 1  # a fresh verification link


def test_sign_in_by_email_lands_on_the_dashboard(client, account):
    response = client.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


def test_sign_in_goes_back_to_next(client, account):
    response = client.post(
        reverse("account_login") + "?next=/demarches/cantine/", {"login": account.email, "password": PASSWORD}
    )
    assert response["Location"] == "/demarches/cantine/"


def test_failed_sign_ins_are_rate_limited(client, account):
    for _attempt in range(5):
        response = client.post(reverse("account_login"), {"login": account.email, "password": "faux"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": account.email, "password": "faux"})
    assert "Trop de tentatives de connexion échouées" in response.text
    # Even the right password waits for the limit to pass.
    response = client.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion échouées" in response.text
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_and_is_rate_limited(client, account):
    for _attempt in range(3):
        response = client.post(reverse("account_reset_password"), {"email": account.email})
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert "/compte/password/reset/key/" in mail.outbox[0].body
    response = client.post(reverse("account_reset_password"), {"email": account.email})
    assert response.status_code == 429


def test_password_reset_link_sets_a_new_password(client, account):
    client.post(reverse("account_reset_password"), {"email": account.email})
    link = re.search(r"https?://[^\s]+(/compte/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "Nouveau-mot-de-passe-99", "password2": "Nouveau-mot-de-passe-99"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("Nouveau-mot-de-passe-99")


def test_email_change_is_verified_before_it_replaces_the_old_one(signed_in, account):
    response = signed_in.post(reverse("account_email"), {"action_add": "", "email": "nouvelle@example.org"})
    assert response.status_code == 302
    assert Citizen.objects.get(user=account).email == "camille.martin@example.org"
    link = confirmation_link(mail.outbox[-1])
    signed_in.post(link)
    account.refresh_from_db()
    assert account.email == "nouvelle@example.org"
    signed_in.get(reverse("accounts:dashboard"))
    assert Citizen.objects.get(user=account).email == "nouvelle@example.org"


def test_sign_in_form_needs_csrf(account):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert response.status_code == 403


def test_agent_sign_in_is_untouched(client, agent):
    response = client.post(reverse("backoffice:login"), {"username": agent.username, "password": "mot-de-passe-test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:inbox")


def test_sign_out_is_a_post_and_ends_the_session(signed_in):
    assert signed_in.get(reverse("account_logout")).status_code == 200  # a confirmation page, no sign-out
    assert "_auth_user_id" in signed_in.session
    response = signed_in.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in signed_in.session


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "accounts:dashboard"])
def test_citizen_pages_send_anonymous_visitors_to_the_citizen_sign_in(client, commune, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_agent_pages_still_send_to_the_agents_sign_in(client, commune):
    response = client.get(reverse("backoffice:inbox"))
    assert response["Location"].startswith(reverse("backoffice:login") + "?next=")


def test_the_citizen_record_follows_a_verified_email_change_at_once(signed_in, account):
    signed_in.post(reverse("account_email"), {"action_add": "", "email": "nouvelle@example.org"})
    signed_in.post(confirmation_link(mail.outbox[-1]))
    # No account page opened since: the town hall's next message must already go to the new address.
    assert Citizen.objects.get(user=account).email == "nouvelle@example.org"


def test_account_emails_are_signed_by_the_town_hall_not_the_server(client, commune):
    sign_up(client)
    body = mail.outbox[0].body
    assert body.startswith("Bonjour,")
    assert f"{commune.name} — démarches en ligne" in body
    assert "testserver !" not in body and "c'est" not in body
