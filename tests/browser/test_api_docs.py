"""The REST API's browsable docs: Swagger UI served by the app itself, under the site's CSP, usable
with the agent's own session (reads; writes carry the CSRF header the page's script adds)."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_citizen_journey import watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_load_without_cdn_or_csp_violation_and_try_it_out_uses_the_session(
    page: Page, live_server, request_type, agent, screenshot
):
    ticket = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory())
    errors: list[str] = []
    watch_errors(page, errors)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto(live_server.url + "/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()

    page.set_viewport_size(PHONE)
    response = page.goto(live_server.url + "/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Guichet — API REST")).to_be_visible()
    operation = page.locator("#operations-tickets-tickets_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text(ticket.reference)
    screenshot(page, "api-docs-phone")
    assert outside == []
    assert errors == []
