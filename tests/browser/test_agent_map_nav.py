"""The agents' navigation reaches « Carte » by keyboard, on a phone-sized screen as on a desktop, without the
page scrolling sideways."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-test"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_the_map_link_is_reached_and_followed_with_the_keyboard(page: Page, live_server, agent, size):
    page.set_viewport_size(size)
    page.goto(live_server.url + "/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    nav_demandes = page.locator(".site-nav a", has_text="Demandes")
    nav_demandes.focus()
    page.keyboard.press("Tab")
    carte = page.locator(".site-nav a", has_text="Carte")
    expect(carte).to_be_focused()
    expect(carte).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/agent/carte/")
    expect(page.locator(".site-nav a", has_text="Carte")).to_have_attribute("aria-current", "page")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
