"""Agents' sessions end after GUICHET_AGENT_IDLE_SECONDS without a request; any request renews them.
Citizens' sessions keep their own lifetime. The clock is moved, never waited for."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.accounts.conftest import make_account

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def clock(monkeypatch):
    """The app's clock (django.utils.timezone.now), moved by hand."""

    class Clock:
        now = timezone.now()

        def advance(self, delta: datetime.timedelta) -> None:
            self.now += delta

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def agent_home(client):
    return client.get(reverse("backoffice:inbox"))


def test_default_is_a_working_day(settings):
    assert settings.GUICHET_AGENT_IDLE_SECONDS == 8 * 3600


def test_an_idle_agent_is_signed_out(client, agent, clock):
    client.force_login(agent)
    assert agent_home(client).status_code == 200
    clock.advance(8 * HOUR + datetime.timedelta(minutes=1))
    response = agent_home(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("backoffice:login"))
    page = client.get(response["Location"])
    assert "Votre session a expiré après 8 h sans activité : reconnectez-vous." in page.text
    clock.advance(datetime.timedelta(minutes=1))
    assert agent_home(client).status_code == 302  # and it stays signed out


def test_activity_renews_the_agents_session(client, agent, clock):
    client.force_login(agent)
    for _ in range(3):  # 21 hours in all, never 8 idle
        clock.advance(7 * HOUR)
        assert agent_home(client).status_code == 200


def test_the_idle_period_is_a_setting(client, agent, clock, settings):
    settings.GUICHET_AGENT_IDLE_SECONDS = 15 * 60
    client.force_login(agent)
    assert agent_home(client).status_code == 200
    clock.advance(datetime.timedelta(minutes=14))
    assert agent_home(client).status_code == 200
    clock.advance(datetime.timedelta(minutes=16))
    assert agent_home(client).status_code == 302


def test_an_idle_admin_is_signed_out_too(client, clock):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    clock.advance(9 * HOUR)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_citizens_session_keeps_its_own_lifetime(client, commune, clock):
    client.force_login(make_account())
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    clock.advance(3 * 24 * HOUR)  # within SESSION_COOKIE_AGE (two weeks)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
