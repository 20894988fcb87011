"""The commune's identity in Chromium: its colours and logo on the home page and the agent pages, at 375 and
1280 px, under the CSP, clean for axe-core (contrast included)."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from guichet.organisation.models import Commune
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_resultats import AXE_OPTIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logo_png() -> bytes:
    image = Image.new("RGB", (240, 120), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 110, 110), fill=(120, 30, 80))
    draw.rectangle((125, 35, 230, 85), fill=(20, 90, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def branded(live_server, request_type):
    commune = Commune.current()
    commune.name = "Mairie de Bourg-Achard"
    commune.primary_color, commune.primary_text_color = "#ffd700", "#000000"  # a light band, dark text
    commune.logo.save("logo.png", ContentFile(logo_png()), save=False)
    commune.save()
    return live_server


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_the_home_page_wears_the_commune_s_colours_and_logo(page: Page, branded, viewport, screenshot):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_viewport_size(viewport)
    page.goto(branded.url + "/")
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", "rgb(255, 215, 0)")
    expect(page.locator(".site-header__brand")).to_have_css("color", "rgb(0, 0, 0)")
    logo = page.get_by_role("img", name="Mairie de Bourg-Achard")
    expect(logo).to_be_visible()
    assert logo.evaluate("image => image.complete && image.naturalWidth") == 240
    # Links on the light page take the darkened ink, not the yellow.
    ink = page.locator("main a").first.evaluate("link => getComputedStyle(link).color")
    assert ink != "rgb(255, 215, 0)"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert violations == []
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    screenshot(page, f"home-{viewport['width']}")


def test_the_agent_pages_wear_them_too(page: Page, branded, agent, screenshot):
    page.set_viewport_size(DESKTOP)
    page.goto(branded.url + "/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Nouvelle demande")).to_be_visible()
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(255, 215, 0)")
    expect(page.get_by_role("img", name="Mairie de Bourg-Achard")).to_be_visible()
    screenshot(page, "inbox-1280")
