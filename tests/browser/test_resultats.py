"""The public results page in Chromium: readable on a phone, usable with the keyboard, clean for axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.statistics.conftest import dataset  # noqa: F401 (the hand-computed dataset, reused)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# RGAA 4.1 follows WCAG 2.1 AA; best practices too (landmarks, one h1, region).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def results_site(live_server, dataset, settings):  # noqa: F811
    settings.GUICHET_STATS_MIN_CELL = 6  # Voirie's figures are published, État civil's (one request) withheld
    return live_server


def test_a_visitor_reaches_the_results_from_the_footer_with_the_keyboard_on_a_phone(page: Page, results_site):
    page.set_viewport_size(PHONE)
    page.goto(results_site.url + "/")
    link = page.get_by_role("link", name="Nos résultats : délais de réponse de la mairie")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(results_site.url + "/resultats/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nos résultats : la qualité de service de la mairie")

    voirie = page.get_by_role("table", name="Résultats du service Voirie sur les 12 derniers mois")
    expect(voirie).to_contain_text(
        "La moitié des demandes ont reçu une réponse en moins de 1 jour ouvré, 9 sur 10 en moins de 11 jours ouvrés."
    )
    expect(voirie).to_contain_text("83,3 % sur 6 demandes traitées")
    civil = page.get_by_role("table", name="Résultats du service État civil sur les 12 derniers mois")
    expect(civil).to_contain_text("moins de 6 demandes : résultat non publié")
    # Each stacked cell says what it is, and nothing overflows the 375 px screen.
    expect(voirie.locator("td").first).to_have_css("display", "block")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)


def test_the_results_as_tables_on_a_desktop_pass_the_audit(page: Page, results_site):
    page.set_viewport_size(DESKTOP)
    page.goto(results_site.url + "/resultats/")
    table = page.get_by_role("table").first
    expect(table.get_by_role("columnheader", name="Délai de première réponse")).to_be_visible()
    expect(table.locator("td").first).to_have_css("display", "table-cell")
    # The skip link is the first stop of the keyboard and leads to the results.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#contenu")).to_be_focused()
    assert_accessible(page)
