"""A supervisor sets a legal hold from the ticket page on a phone, then releases it: keyboard and screen reader
friendly form, no horizontal scroll, no script error."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, sign_in_by_keyboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/retention")


def test_a_supervisor_holds_then_releases_a_ticket_on_a_phone(page: Page, live_server, supervisor, ticket):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(PHONE)
    sign_in_by_keyboard(page, live_server.url, supervisor.username)
    page.goto(f"{live_server.url}/agent/demandes/{ticket.reference}/")
    page.get_by_role("link", name="Geler la conservation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geler la conservation")
    page.get_by_role("button", name="Poser le gel").click()
    expect(page.get_by_role("alert").first).to_contain_text("corrigez")  # no reason: refused, in French
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "legal-hold-form-375.png", full_page=True)
    page.get_by_label("Motif").fill("Contentieux devant le tribunal administratif")
    page.get_by_role("button", name="Poser le gel").click()
    card = page.locator("section", has=page.get_by_role("heading", name="Conservation des données"))
    expect(card).to_contain_text("Contentieux devant le tribunal administratif")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    card.screenshot(path=SHOTS / "legal-hold-card-375.png")
    page.screenshot(path=SHOTS / "ticket-held-375.png", full_page=True)
    card.get_by_role("link", name="Lever le gel").click()
    page.get_by_label("Motif").fill("Jugement rendu")
    page.get_by_role("button", name="Lever le gel").click()
    expect(card.get_by_role("link", name="Geler la conservation")).to_be_visible()
    assert errors == []
