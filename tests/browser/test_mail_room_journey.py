"""A mail-room agent in a real browser: uploads a scanned letter, the worker reads it, the agent qualifies it.

Chromium, the live server, the database, the task worker and Tesseract are all real.
"""

import pytest
from playwright.sync_api import Page, expect

from guichet.mailroom.models import MailItem, MailStatus
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE
from tests.mailroom.conftest import letter_image, letter_lines, save_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mail_room_qualifies_a_scanned_letter_into_a_ticket(
    page: Page, live_server, settings, request_type, run_worker, screenshot, tmp_path
):
    settings.SITE_URL = live_server.url
    clerk = factories.AgentFactory(role=Role.MAIL_ROOM).user
    scan = save_scan(letter_image(letter_lines()), tmp_path / "lettre-lefevre.png", "PNG")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/agent/connexion/")
    page.get_by_label("Nom d’utilisateur").fill(clerk.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Courrier", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service courrier")

    page.locator("input[name=files]").set_input_files(str(scan))
    page.get_by_role("button", name="Ajouter à la file").click()
    expect(page.get_by_text("1 scan(s) ajouté(s)")).to_be_visible()
    screenshot(page, "01-mail-queue-phone")

    run_worker()  # OCR and previews, as the db_worker service does
    page.get_by_role("link", name="lettre-lefevre.png").click()
    expect(page.locator("[name=usager-first_name]")).to_have_value("Hélène")
    expect(page.locator("[name=usager-last_name]")).to_have_value("Lefèvre")
    expect(page.locator("[name=usager-email]")).to_have_value("helene.lefevre@example.org")
    scan = page.get_by_role("img", name="Page 1 du scan")
    expect(scan).to_be_visible()
    screenshot(page, "02-mail-item-phone")
    width = scan.bounding_box()["width"]
    page.get_by_role("button", name="Agrandir le scan").click()
    page.get_by_role("button", name="Agrandir le scan").click()
    expect(page.locator(".zoom-bar__level")).to_have_text("200 %")
    assert scan.bounding_box()["width"] > 1.8 * width  # the page is read closer, in its scrolling box
    screenshot(page, "02b-mail-item-zoomed")
    page.get_by_role("button", name="Réduire le scan").click()
    page.get_by_role("button", name="Réduire le scan").click()
    expect(page.locator(".zoom-bar__level")).to_have_text("100 %")

    expect(page.locator("[name=usager-street]")).to_have_value("12 rue de l'Église")
    page.locator("select[name=demarche]").select_option(request_type.slug)
    page.get_by_label("Résumé de la demande").fill("Lampadaire éteint devant le 12 rue de l'Église")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "03-mail-item-desktop")
    page.get_by_role("button", name="Créer la demande").click()

    ticket = Ticket.objects.get()
    expect(page.get_by_text(f"Demande {ticket.reference_display} créée à partir du courrier.")).to_be_visible()
    assert (ticket.channel, ticket.entered_by, ticket.citizen.last_name) == (Channel.MAIL, clerk, "Lefèvre")
    assert ticket.attachments.count() == 1
    assert MailItem.objects.get().status == MailStatus.QUALIFIED
    screenshot(page, "04-ticket-created")
