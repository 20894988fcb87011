"""The access-code form's proof of work runs in real Chromium, in the background, and the server accepts it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from guichet.notifications.models import Notification, Template
from guichet.portal.models import Refusal
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browser_solves_the_challenge_and_the_code_is_sent(page: Page, live_server, settings):
    settings.GUICHET_ACCESS_CODE_POW_BITS = 14
    settings.GUICHET_ACCESS_CODE_NOPROOF_RATE = "0/h"  # only a request carrying a valid proof can pass
    ticket = factories.make_ticket(
        request_type=factories.RequestTypeFactory(service=factories.ServiceFactory()),
        citizen=factories.CitizenFactory(),
    )
    page.goto(live_server.url + reverse("portal:access_code", args=[ticket.reference]))
    status = page.get_by_role("status").filter(has_text="Vérification")
    expect(status).to_contain_text("Vérification terminée", timeout=30_000)
    assert page.locator("[name=pow_nonce]").input_value().isdigit()
    page.get_by_role("button", name="Recevoir un code à").click()
    expect(page.get_by_text("Un code vient de partir")).to_be_visible()
    assert Notification.objects.filter(ticket=ticket, template=Template.ACCESS_CODE).count() == 1
    assert not Refusal.objects.exists()


def test_a_click_before_the_end_waits_for_the_proof(page: Page, live_server, settings):
    settings.GUICHET_ACCESS_CODE_POW_BITS = 18  # long enough to click first
    settings.GUICHET_ACCESS_CODE_NOPROOF_RATE = "0/h"
    ticket = factories.make_ticket(
        request_type=factories.RequestTypeFactory(service=factories.ServiceFactory()),
        citizen=factories.CitizenFactory(),
    )
    page.goto(live_server.url + reverse("portal:access_code", args=[ticket.reference]))
    page.get_by_role("button", name="Recevoir un code à").click()
    expect(page.get_by_text("Un code vient de partir")).to_be_visible(timeout=60_000)
    assert not Refusal.objects.exists()
