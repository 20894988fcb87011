"""Single logout in a real browser: sign in through the provider, press « Se déconnecter » in the header,
pass through the provider's end-session and land back signed out (the CSP lets the sign-out leave for it)."""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.oidc import USER_PASSWORD, app
from tests.browser.conftest import PHONE
from tests.browser.test_citizen_journey import watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signing_out_after_franceconnect_also_signs_out_of_it(
    page: Page, live_server, oidc_provider, settings, commune, screenshot
):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": []},
        "franceconnect": {"APPS": [app("franceconnect", "FranceConnect", oidc_provider)]},
    }
    settings.CSP_FORM_ACTION = [oidc_provider.url]
    errors: list[str] = []
    watch_errors(page, errors)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/compte/login/")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    page.get_by_label("Username").fill("eloise")
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_text("Bonjour Éloïse Garnier")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    screenshot(page, "signed-out")

    # The provider's session is over too: signing in again asks for its password.
    page.goto(f"{live_server.url}/compte/login/")
    page.get_by_role("button", name="S’identifier avec FranceConnect").click()
    expect(page.get_by_label("Password")).to_be_visible()

    page.goto(f"{live_server.url}/compte/deconnexion/retour/?state=inconnu")
    expect(page.get_by_role("heading", level=1)).to_have_text("Déconnexion")
    screenshot(page, "logout-failed")
    assert errors == []
