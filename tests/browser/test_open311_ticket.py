"""A request filed by a partner through Open311, as the agent then reads it in the back office (375 px wide)."""

import pytest
import requests
from playwright.sync_api import Page, expect

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from guichet.catalogue.models import FieldKind
from tests import factories
from tests.api.conftest import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_reads_an_open311_request_with_its_location_and_photo(
    page: Page, live_server, settings, request_type, agent, screenshot
):
    settings.SITE_URL = live_server.url
    pothole = request_type
    factories.FieldFactory(
        request_type=pothole, code="genes", label="Qui est gêné ?", kind=FieldKind.MULTIPLE_CHOICE,
        choices="Piétons\nCyclistes\nVoitures", order=5,
    )  # fmt: skip
    _key, raw = api_key_create(name="Appli Signalements", owner="Métropole", scopes=[Scope.OPEN311_WRITE])
    data = {
        "api_key": raw, "service_code": pothole.slug, "lat": "45.7640", "long": "4.8357",
        "address_string": "1 place Bellecour, 69002 Lyon", "description": "Trou profond devant l'école",
        "attribute[genes][]": ["Piétons", "Cyclistes"],
        "email": "helene@example.org", "first_name": "Hélène", "last_name": "Lefèvre",
    }  # fmt: skip
    response = requests.post(
        f"{live_server.url}/open311/v2/requests.json",
        data=data,
        files={"media": ("trou.png", png_bytes(), "image/png")},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    reference = response.json()[0]["service_request_id"].replace("-", "")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/agent/connexion/?next=/agent/demandes/{reference}/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("1 place Bellecour, 69002 Lyon").first).to_be_visible()
    expect(page.get_by_text("Lieu signalé")).to_be_visible()
    expect(page.get_by_text("Hélène Lefèvre").first).to_be_visible()
    expect(page.get_by_text("Piétons, Cyclistes")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    screenshot(page, "open311-ticket-375")
