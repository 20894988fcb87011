"""An agent filters the inbox in a real browser and downloads an XLSX of exactly what is listed."""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from guichet.exports.models import Export
from guichet.tickets.lifecycle import Channel
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-test"


def test_agent_exports_the_filtered_inbox_as_xlsx_on_a_phone(page: Page, live_server, request_type, agent, tmp_path):
    web_ticket = factories.make_ticket(request_type=request_type, citizen=None, channel=Channel.WEB)
    factories.make_ticket(request_type=request_type, citizen=None, channel=Channel.PHONE)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Filtres et tri").click()
    page.get_by_label("Canal").select_option(Channel.WEB)  # htmx refreshes the list and its export form
    expect(page.locator("table.tickets tbody tr")).to_have_count(1)

    page.get_by_label("Format").select_option("xlsx")
    button = page.get_by_role("button", name="Exporter")
    expect(button).to_be_visible()
    with page.expect_download() as download_info:
        button.click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [web_ticket.reference_display]
    assert Export.objects.get().filters["canal"] == ["web"]
