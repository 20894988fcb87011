"""On a phone-sized screen, an agent reads a ticket's targets, makes it urgent, and finds it in the inbox."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guichet.tickets.escalation import escalation_run
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/priority")


def keep(path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_agent_makes_a_ticket_urgent_and_sees_it_escalated(
    page: Page, live_server, settings, request_type, agent, citizen, screenshot
):
    settings.SITE_URL = live_server.url
    factories.default_priorities()
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/agent/demandes/{ticket.reference}/")

    targets = page.get_by_role("region", name="Priorité et objectifs")
    expect(targets).to_contain_text("Normale")
    targets.get_by_role("combobox").select_option(label="Urgente")
    page.get_by_role("button", name="Changer la priorité").click()
    expect(page.get_by_text("Priorité « Urgente » : les objectifs de la demande sont recalculés.")).to_be_visible()
    expect(targets).to_contain_text("Urgente")
    keep(screenshot(page, "priority-ticket-375"))

    ticket.refresh_from_db()
    escalation_run(now=ticket.first_response_due)  # the worker finds the first response missed
    page.goto(f"{live_server.url}/agent/?vue=mon-service&escalade=depasse")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Objectif dépassé")
    keep(screenshot(page, "priority-inbox-375"))
