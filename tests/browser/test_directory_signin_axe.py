"""axe-core on the agents' sign-in page with the directory's button, and on the directory's refusal page."""

import pytest
from playwright.sync_api import Page

from tests.browser.test_accessibility_audit import Audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_directory_sign_in_and_refusal_pages_pass_axe(page: Page, live_server, settings, commune):
    settings.GUICHET_AGENT_SIGNIN_METHODS = ["password", "oidc"]
    settings.GUICHET_AGENT_OIDC_SERVER_URL = "http://127.0.0.1:9/openid"  # the pages below never call it
    settings.GUICHET_AGENT_OIDC_CLIENT_ID = "guichet"
    audit = Audit(page, live_server.url)
    audit.visit("/agent/connexion/", "sign-in with the directory's button")
    assert page.get_by_role("button", name="Se connecter avec l’annuaire de la commune").is_visible()
    response = page.goto(live_server.url + "/agent/securite/annuaire/retour/?state=inconnu&code=x")
    assert response is not None and response.status == 403
    audit.check("directory refusal")
    audit.assert_clean()
