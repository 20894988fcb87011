"""Located reports in a real browser (issue 17): a street light placed by moving the map's pin on a phone, and
the same kind of report by keyboard alone with the address suggestions and no map.

Real and local: Chromium, the live server, the stand-in of the BAN API (tests/places/ban_server.py). The map's
tiles are answered by Playwright with a blank image: no request leaves the machine.
"""

import base64

import pytest
from playwright.sync_api import Page, Route, expect

from guichet.catalogue.models import FieldKind, LocationMode
from guichet.tickets.models import Ticket
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_citizen_journey import watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)


def blank_tiles(route: Route) -> None:
    route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)


@pytest.fixture
def street_light(settings, service, commune):
    settings.GUICHET_MAP_CENTER = ["45.1885", "5.7245"]  # the stand-in's commune
    request_type = factories.RequestTypeFactory(
        service=service, slug="eclairage", name="Signaler un éclairage public en panne", location_mode=LocationMode.MAP
    )
    factories.FieldFactory(
        request_type=request_type, code="panne", label="Nature de la panne", kind=FieldKind.CHOICE,
        choices="Ne s'allume plus\nClignote", order=1,
    )  # fmt: skip
    return request_type


def contact(page: Page) -> None:
    page.get_by_label("Prénom").fill("Hélène")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Adresse électronique").fill("helene.lefevre@example.org")


def test_a_street_light_reported_by_moving_the_pin_on_a_phone(
    page: Page, live_server, ban_api, street_light, screenshot
):
    errors: list[str] = []
    watch_errors(page, errors)
    page.route("**/*.tile.openstreetmap.fr/**", blank_tiles)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/demarches/{street_light.slug}/")
    located: list[dict] = []
    page.expose_function("recordLocation", lambda detail: located.append(detail))
    page.evaluate(
        "() => document.body.addEventListener('guichet:location-changed', e => window.recordLocation(e.detail))"
    )
    page.get_by_label("Ne s'allume plus").check()
    the_map = page.locator("#location-map")
    expect(the_map).to_be_visible()
    the_map.scroll_into_view_if_needed()
    box = the_map.bounding_box()
    assert box is not None and box["width"] <= 375
    # A tap drops the pin, then the pin is dragged a little further.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pin = page.locator(".leaflet-marker-icon")
    expect(pin).to_be_visible()
    pin_box = pin.bounding_box()
    assert pin_box is not None
    start_x, start_y = pin_box["x"] + pin_box["width"] / 2, pin_box["y"] + pin_box["height"] - 4
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x + 30, start_y - 20, steps=8)
    page.mouse.up()
    address = page.get_by_label("Adresse ou lieu")
    expect(address).not_to_have_value("", timeout=5000)
    dragged_lat = float(page.locator("#id_location_lat").input_value())
    assert located and located[-1]["lat"] == pytest.approx(dragged_lat, abs=1e-6)
    contact(page)
    screenshot(page, "eclairage-375px")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", name="Votre demande a bien été reçue")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.latitude == pytest.approx(dragged_lat, abs=1e-6) and ticket.longitude is not None
    assert ticket.address_in_base is True and ticket.address_label.endswith("38560 Saint-Aubin-des-Prés")
    assert not errors, errors


def test_the_whole_report_by_keyboard_with_address_suggestions_and_no_map(
    page: Page, live_server, ban_api, street_light
):
    errors: list[str] = []
    watch_errors(page, errors)
    page.route("**/*.tile.openstreetmap.fr/**", blank_tiles)
    page.goto(f"{live_server.url}/demarches/{street_light.slug}/")
    page.get_by_label("Ne s'allume plus").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    address = page.get_by_role("combobox", name="Adresse ou lieu")
    expect(address).to_be_focused()
    page.keyboard.type("12 rue de l'égl", delay=30)
    expect(address).to_have_attribute("aria-expanded", "true")
    options = page.get_by_role("option")
    expect(options.first).to_have_text("12 Rue de l'Église 38560 Saint-Aubin-des-Prés")
    page.keyboard.press("ArrowDown")
    expect(address).to_have_attribute("aria-activedescendant", "location-suggestion-0")
    page.keyboard.press("Enter")
    expect(address).to_have_value("12 Rue de l'Église 38560 Saint-Aubin-des-Prés")
    expect(address).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#location-status")).to_have_text("12 Rue de l'Église 38560 Saint-Aubin-des-Prés")
    for label, text in (("Prénom", "Jean"), ("Adresse électronique", "jean@example.org")):
        page.get_by_label(label).focus()
        page.keyboard.type(text)
    page.get_by_role("textbox", name="Nom", exact=True).focus()
    page.keyboard.type("Moulin")
    page.get_by_role("button", name="Envoyer ma demande").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Votre demande a bien été reçue")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.address_label == "12 Rue de l'Église 38560 Saint-Aubin-des-Prés" and ticket.address_in_base
    assert ticket.address_citycode == "38998" and ticket.latitude is not None
    assert not errors, errors
