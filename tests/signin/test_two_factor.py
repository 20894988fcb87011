"""Agents' two-factor authentication with real TOTP codes (django-otp's own RFC 6238 implementation)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.signin.models import FailureReason, SignInFailure
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "mot-de-passe-test"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.GUICHET_2FA_REQUIRED = True


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def sign_in(client, user, url=None):
    return client.post(url or reverse("backoffice:login"), {"username": user.username, "password": PASSWORD})


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("signin:enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = "".join(re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1).split())
    assert parse_qs(urlsplit(device.config_url).query)["secret"] == [secret]  # the QR code and the key agree
    done = client.post(reverse("signin:enrol"), {"code": current_code(device)})
    assert done.status_code == 302
    codes = client.get(done.url)
    recovery = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes.text)
    assert len(recovery) == 10
    assert client.get(done.url).text.count("<li><code>") == 0  # shown once
    return TOTPDevice.objects.get(user=user, confirmed=True), recovery


def test_a_supervisor_is_sent_to_enrolment_before_anything_else(client, supervisor):
    response = sign_in(client, supervisor)
    inbox = client.get(response.url)
    assert inbox.status_code == 302 and inbox.url.startswith(reverse("signin:enrol"))
    assert client.get(reverse("backoffice:preferences")).url.startswith(reverse("signin:enrol"))
    assert client.get(reverse("admin:index")).url.startswith(reverse("signin:enrol"))

    enrol(client, supervisor)
    assert client.get(reverse("backoffice:inbox")).status_code == 200


def test_enrolment_refuses_a_wrong_code_and_keeps_the_same_key(client, supervisor):
    client.force_login(supervisor)
    client.get(reverse("signin:enrol"))
    key = TOTPDevice.objects.get(user=supervisor).key
    response = client.post(reverse("signin:enrol"), {"code": "000000"})
    assert response.status_code == 400 and "Ce code ne correspond pas" in response.text
    assert TOTPDevice.objects.get(user=supervisor).key == key
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_an_enrolled_agent_signs_in_with_the_second_step(client, supervisor):
    client.force_login(supervisor)
    device, _ = enrol(client, supervisor)
    client.logout()

    sign_in(client, supervisor)
    blocked = client.get(reverse("backoffice:inbox"))
    assert blocked.url.startswith(reverse("signin:verify"))
    wrong = client.post(blocked.url, {"code": "123456"})
    assert wrong.status_code == 400 and "Ce code est incorrect" in wrong.text
    assert SignInFailure.objects.filter(user=supervisor, reason=FailureReason.BAD_CODE).count() == 1
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's own delay after a failure: not what this test is about
    device.throttling_failure_timestamp = None
    device.save()
    passed = client.post(blocked.url, {"code": current_code(device, offset=1)})
    assert passed.status_code == 302 and passed.url == reverse("backoffice:inbox")
    assert client.get(reverse("backoffice:inbox")).status_code == 200


def test_a_recovery_code_works_once(client, supervisor):
    client.force_login(supervisor)
    _, recovery = enrol(client, supervisor)
    for attempt in range(2):
        client.logout()
        sign_in(client, supervisor)
        response = client.post(reverse("signin:verify"), {"code": recovery[0].upper()})
        if attempt == 0:
            assert response.status_code == 302
        else:
            assert response.status_code == 400
    assert StaticToken.objects.count() == 9


def test_an_unverified_session_cannot_renew_recovery_codes_or_replace_the_app(client, supervisor):
    client.force_login(supervisor)
    enrol(client, supervisor)
    client.logout()
    sign_in(client, supervisor)
    assert client.post(reverse("signin:recovery_codes_renew")).url == reverse("signin:verify")
    assert client.get(reverse("signin:enrol")).url.startswith(reverse("signin:verify"))
    assert StaticToken.objects.count() == 10


def test_admin_requires_the_second_factor_for_staff(client):
    admin_user = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    response = sign_in(client, admin_user, url=reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").url.startswith(reverse("signin:enrol"))
    enrol(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_a_service_agent_is_not_forced_but_may_enrol(client, agent):
    sign_in(client, agent)
    assert client.get(reverse("backoffice:inbox")).status_code == 200
    enrol(client, agent)
    client.logout()
    sign_in(client, agent)
    assert client.get(reverse("backoffice:inbox")).url.startswith(reverse("signin:verify"))


def test_the_setting_turns_the_requirement_off(client, settings, supervisor):
    settings.GUICHET_2FA_REQUIRED = False
    sign_in(client, supervisor)
    assert client.get(reverse("backoffice:inbox")).status_code == 200


def test_citizens_are_never_asked(client, settings):
    citizen_user = factories.UserFactory(username="usager")
    client.force_login(citizen_user)
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(reverse("signin:enrol")).status_code == 302  # not an agent: sent to the agents' sign-in
    assert not TOTPDevice.objects.exists()


def test_signing_in_through_the_citizens_page_still_asks_a_supervisor_for_the_second_factor(client, supervisor):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=supervisor, email=supervisor.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": supervisor.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(supervisor.pk)
    assert client.get(reverse("backoffice:inbox")).url.startswith(reverse("signin:enrol"))
    assert client.get("/api/v1/tickets/").status_code == 302  # the REST API by session too
