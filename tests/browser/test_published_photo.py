"""A photo in the nearby panel (issue 17), in a real browser: an agent checks the photo the first citizen agreed to
show and publishes it from the ticket page (and corrects the place, by keyboard); a second citizen on a phone picks
the address from the suggestions and sees the thumbnail, served by the app, in the panel and on « Moi aussi ».
axe audits the pages this adds or changes. Chromium, live server, the BAN stand-in: real; tiles answered blank.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Page, expect

from guichet.catalogue.models import FieldKind, LocationMode
from guichet.lib.uploads import check_upload
from guichet.places.geocoding import address_search
from guichet.places.place import Place
from guichet.tickets.models import Attachment, Event, EventKind
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility_audit import Audit
from tests.browser.test_citizen_journey import watch_errors
from tests.browser.test_located_report import blank_tiles
from tests.places.test_photos import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHURCH = "12 Rue de l'Église 38560 Saint-Aubin-des-Prés"
LILAS = "5 Impasse des Lilas 38560 Saint-Aubin-des-Prés"


def sign_in(context, live_server, user) -> None:
    browser = Client()
    browser.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value, "url": live_server.url}])


def test_a_published_photo_shows_in_the_nearby_panel_on_a_phone(
    page: Page, context, live_server, settings, ban_api, service, commune, agent, screenshot
):
    settings.GUICHET_MAP_CENTER = ["45.1885", "5.7245"]
    errors: list[str] = []
    watch_errors(page, errors)
    page.route("**/*.tile.openstreetmap.fr/**", blank_tiles)
    street_light = factories.RequestTypeFactory(
        service=service, slug="eclairage", name="Signaler un éclairage public en panne", location_mode=LocationMode.BOTH
    )
    factories.FieldFactory(request_type=street_light, code="photo", label="Photo", kind=FieldKind.FILE, order=1)
    [church] = [place for place in address_search(CHURCH) if place.label == CHURCH]
    upload = check_upload(SimpleUploadedFile("lampadaire.jpg", photo(), content_type="image/jpeg"))
    filed = factories.make_ticket(
        request_type=street_light,
        citizen=factories.CitizenFactory(first_name="Hélène", last_name="Premier"),
        place=Place(label=LILAS, latitude=church.latitude, longitude=church.longitude + 0.01, in_base=True),
        uploads=[("photo", upload)],
        photos_public_consent=True,
    )
    audit = Audit(page, live_server.url)

    # The agent corrects the place by keyboard (the pin was 800 m off), then publishes the photo.
    sign_in(context, live_server, agent)
    page.set_viewport_size(PHONE)
    audit.visit(f"/agent/demandes/{filed.reference}/", "agent ticket with a publishable photo")
    page.get_by_role("link", name="Corriger le lieu").click()
    audit.check("agent place form")
    address = page.get_by_role("combobox", name="Adresse ou lieu")
    address.fill("")
    address.focus()
    page.keyboard.type("12 rue de l'égl", delay=30)
    expect(page.get_by_role("option").first).to_have_text(CHURCH)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(address).to_have_value(CHURCH)
    page.get_by_role("button", name="Enregistrer le lieu").click()
    expect(page.get_by_text("Lieu de la demande corrigé.")).to_be_visible()
    page.get_by_label("Ce que montre la photo").fill("lampadaire éteint devant l’église")
    page.get_by_role("button", name="Rendre publique").click()
    expect(page.get_by_text("Photo rendue publique : elle apparaît")).to_be_visible()
    expect(page.get_by_role("button", name="Retirer de l’affichage public")).to_be_visible()
    audit.check("agent ticket with a published photo")
    assert Event.objects.filter(ticket=filed, kind=EventKind.PLACE_CHANGED).count() == 1
    published = Attachment.objects.get(ticket=filed)
    assert published.published_by == agent

    # A second citizen, on a phone, picks the same address: the panel shows the photo.
    context.clear_cookies()
    page.goto(f"{live_server.url}/demarches/{street_light.slug}/")
    address = page.get_by_role("combobox", name="Adresse ou lieu")
    address.focus()
    page.keyboard.type("12 rue de l'égl", delay=30)
    expect(page.locator("#location-status")).to_contain_text("adresse proposée, flèche bas pour la choisir")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    panel = page.locator(".nearby-list")
    expect(panel).to_contain_text("Déjà signalé à proximité ?")
    thumbnail = panel.get_by_role("img", name="Photo : lampadaire éteint devant l’église")
    expect(thumbnail).to_be_visible()
    thumbnail.scroll_into_view_if_needed()
    # Served by the app and decoded by the browser (lazy: once scrolled into view).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    box = thumbnail.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    expect(panel).not_to_contain_text("Premier")
    screenshot(page, "photo-in-the-nearby-panel-375px")
    audit.check("located form, nearby panel with a photo")
    panel.get_by_role("button", name="Moi aussi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moi aussi, je suis concerné")
    expect(page.get_by_role("img", name="Photo : lampadaire éteint devant l’église")).to_be_visible()
    audit.check("me too with the photo")
    audit.assert_clean()
    assert not errors, errors
