"""A supervisor reads the statistics in a real browser: period and service changed, a table read, no CSP error.

The tickets are the hand-computed May 2026 dataset of tests/statistics/conftest.py (real ticket services).
"""

from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from guichet.exports.models import Export
from guichet.tickets.models import Ticket
from tests.browser.conftest import DESKTOP, PHONE, sign_in_by_keyboard
from tests.statistics.conftest import dataset  # noqa: F401 (the hand-computed tickets, a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = Path(__file__).resolve().parent.parent.parent / "var" / "pilotage-375.png"


def test_a_supervisor_changes_the_period_and_the_service_and_reads_a_table(
    page: Page,
    live_server,
    settings,
    dataset,  # noqa: F811
    supervisor,
    tmp_path,
):
    settings.GUICHET_STATS_MIN_CELL = 1  # the dataset is small: show every figure
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size(DESKTOP)
    sign_in_by_keyboard(page, live_server.url, supervisor.username)
    page.get_by_role("link", name="Pilotage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotage")

    page.get_by_label("Période (facultatif)").select_option("perso")
    page.locator("#id_du").fill("2026-05-01")
    page.locator("#id_au").fill("2026-05-31")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#periode-affichee")).to_contain_text("Du 1 mai 2026 au 31 mai 2026")
    table = page.locator("#tableau-delai-service")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.get_by_role("row", name="Voirie")).to_contain_text("80 %")
    expect(page.locator(".key-figure").first).to_contain_text("9")

    page.get_by_label("Service (facultatif)").select_option(label="État civil")
    page.get_by_role("button", name="Afficher").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.get_by_role("row", name="État civil")).to_contain_text("100 %")
    expect(page.locator(".key-figure").first).to_contain_text("1")
    expect(page.locator("#id_du")).to_have_value("2026-05-01")  # the period is kept
    assert page.locator("svg.chart__svg").count() == 4

    # The export under the figures holds the requests received in the period shown, for the service chosen.
    page.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporter").click()
    path = tmp_path / "pilotage.xlsx"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    tickets = [t for t in vars(dataset).values() if isinstance(t, Ticket)]
    civil = [t for t in tickets if t.service.name == "État civil" and t.created_at.month == 5]
    assert sorted(row[0] for row in rows[1:]) == sorted(t.reference_display for t in civil)
    export = Export.objects.get()
    assert export.row_count == len(civil) == 1 and export.filters["debut"] == ["2026-05-01"]

    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)
    # Printed on A4 (210 mm less 2 × 12 mm of margins, about 703 CSS pixels): the filters go, nothing overflows.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1000})
    expect(page.locator(".pilotage-filters")).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 703
    page.pdf(path=SCREENSHOT.with_name("pilotage-a4.pdf"), format="A4")
    assert errors == []  # no script error, no CSP violation (Chromium reports those as console errors)
