"""A reception agent at work in a real browser: a phone call typed with the keyboard only, then a counter visit.

Chromium, the live server and the database are real; the receipt is the real WeasyPrint PDF.
"""

import pytest
from playwright.sync_api import Page, expect

from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories
from tests.browser.conftest import DESKTOP, sign_in_by_keyboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page: Page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def tab_to(page: Page, predicate: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches the JS predicate (on `e`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return {predicate}; }}"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_reception_takes_a_phone_call_by_keyboard_then_a_counter_visit(
    page: Page, live_server, settings, request_type, citizen, screenshot
):
    settings.SITE_URL = live_server.url
    reception = factories.AgentFactory(role=Role.RECEPTION, services=[request_type.service]).user
    factories.RequestTypeFactory(name="Demander un acte de naissance", theme=request_type.theme)  # listed first
    page.set_viewport_size(DESKTOP)
    sign_in_by_keyboard(page, live_server.url, reception.username)
    expect(page.get_by_role("link", name="Nouvelle demande")).to_be_visible()

    # Phone call from a new citizen, keyboard only.
    page.get_by_role("link", name="Nouvelle demande").focus()
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nouvelle demande")
    tab_to(page, "e.name === 'canal'")
    assert page.evaluate("() => document.activeElement.value") == "phone"
    tab_to(page, "e.name === 'demarche'")
    page.keyboard.type(request_type.name[:9])  # the list's type-ahead finds the démarche by its name
    assert page.evaluate("() => document.activeElement.value") == request_type.slug
    tab_to(page, "e.tagName === 'BUTTON' && e.textContent.includes('Continuer')")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Nouvel usager")).to_be_visible()
    tab_to(page, "e.name === 'usager-first_name'")
    page.keyboard.type("Jean")
    press(page, "Tab")
    page.keyboard.type("Moulin")
    press(page, "Tab")
    page.keyboard.type("06 11 22 33 44")
    tab_to(page, "e.name === 'f_adresse_0'")
    page.keyboard.type("3 place du Marché")
    press(page, "Tab")
    page.keyboard.type("45270")
    press(page, "Tab")
    page.keyboard.type("Villebrune")
    press(page, "Tab")
    page.keyboard.type("Trou dangereux devant la poste")
    tab_to(page, "e.name === 'ack'")  # a radio group is one tab stop; arrows move and check
    press(page, "ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == "sms"
    tab_to(page, "e.tagName === 'BUTTON' && e.textContent.includes('Enregistrer la demande')")
    screenshot(page, "01-phone-request-typed")
    press(page, "Enter")
    expect(page.get_by_role("heading", name="Demande enregistrée")).to_be_visible()
    phone_ticket = Ticket.objects.get(channel=Channel.PHONE)
    expect(page.locator(".reference--huge")).to_have_text(phone_ticket.reference_display)
    page.get_by_text("Épeler le numéro").click()
    expect(page.locator(".spelling li").first).to_contain_text("comme" if phone_ticket.reference[0].isalpha() else "(")
    screenshot(page, "02-reference-to-read-out")
    assert (phone_ticket.entered_by, phone_ticket.citizen.last_name) == (reception, "Moulin")

    # Counter visit from a citizen already in the directory.
    page.get_by_role("link", name="Nouvelle demande").first.click()
    page.get_by_label("Rechercher un usager").fill("lefevre")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=f"Choisir {citizen.full_name}").click()
    expect(page.locator(".chosen-citizen")).to_contain_text(citizen.full_name)
    page.get_by_label("Accueil au guichet").check()
    page.locator("select[name=demarche]").select_option(request_type.slug)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Numéro et voie").fill("1 rue Haute")
    page.get_by_label("Code postal").fill("45270")
    page.get_by_label("Commune", exact=True).fill("Villebrune")
    page.get_by_label("Description").fill("Signalé au guichet")
    page.get_by_label("Aucun envoi").check()
    page.get_by_role("button", name="Enregistrer la demande").click()
    counter_ticket = Ticket.objects.get(channel=Channel.COUNTER)
    assert counter_ticket.citizen == citizen

    # Printing is a POST (it mints the citizen's personal link); the PDF opens in a new tab.
    tokens_before = counter_ticket.access_tokens.count()
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Imprimer le récépissé (A4)").click()
    popup.value.wait_for_load_state()
    assert counter_ticket.access_tokens.count() == tokens_before + 1
    response = page.request.post(
        popup.value.url,
        form={"format": "a4", "csrfmiddlewaretoken": page.locator("[name=csrfmiddlewaretoken]").first.input_value()},
    )
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
