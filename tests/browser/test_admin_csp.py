"""The admin under the site's Content-Security-Policy: it signs in and its change lists work in Chromium
without a single CSP violation."""

import pytest
from django.contrib import admin
from playwright.sync_api import Page, expect

from guichet.organisation.models import Service
from tests import factories
from tests.browser.test_citizen_journey import watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_signs_in_and_its_change_lists_work_under_the_csp(page: Page, live_server, service, monkeypatch):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    factories.ServiceFactory(name="Voirie bis")
    errors: list[str] = []
    watch_errors(page, errors)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    response = page.goto(live_server.url + "/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(user.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Connexion").or_(page.get_by_role("button", name="Se connecter")).click()
    expect(page.locator("#site-name")).to_be_visible()

    response = page.goto(live_server.url + "/admin/organisation/service/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.locator("#action-toggle").check()  # the admin's own script selects every row
    expect(page.locator("input.action-select").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("2")
    assert violations == [] and errors == []

    model_admin = admin.site._registry[Service]
    monkeypatch.setattr(model_admin, "actions_on_top", False)  # the change list with its inline <style>
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    page.goto(live_server.url + "/admin/organisation/service/")
    expect(page.locator("#result_list")).to_be_visible()
    # Django's actions.js then logs a TypeError of its own (it does without any CSP too): only violations count.
    assert violations == []
