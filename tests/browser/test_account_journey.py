"""A citizen account in a real browser: sign up, verify by the emailed link, add a child, make a family
request, find it on /compte/, read the agent's reply there.

Real and local: Chromium, the live server, the database and an SMTP server that receives the verification email.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_agent
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_citizen_journey import received_emails, subject_of, text_of, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "sarah.benali@example.org"
PASSWORD = "Cantine-du-lundi-2026"
AGENT_REPLY = "Bonjour, l’inscription de Yanis à la cantine est validée à partir du 3 novembre."


@pytest.fixture
def site(settings, live_server, smtp_server):
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def canteen(service, commune):
    request_type = factories.RequestTypeFactory(
        name="Inscription à la cantine scolaire", slug="cantine", service=service, requires_family_member=True
    )
    factories.FieldFactory(request_type=request_type, code="jours", label="Jours de présence", order=1)
    return request_type


def test_citizen_signs_up_adds_a_child_and_follows_a_family_request(
    page: Page, site, smtp_server, canteen, agent, screenshot
):
    errors: list[str] = []
    watch_errors(page, errors)
    page.set_viewport_size(PHONE)

    # The family request needs an account: the visitor is sent to sign in, with the way back remembered.
    page.goto(f"{site.url}/demarches/cantine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter à mon compte")
    assert page.url.endswith("/compte/login/?next=/demarches/cantine/")
    screenshot(page, "01-login-phone")
    page.get_by_role("link", name="Créer mon compte").click()

    page.get_by_label("Prénom").fill("Sarah")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Benali")
    page.get_by_label("Courriel").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    screenshot(page, "02-signup-phone")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "03-verification-sent-phone")

    # The verification email reached the SMTP server; its link opens a page whose button confirms.
    [message] = received_emails(smtp_server, EMAIL)
    link = re.search(rf"{re.escape(site.url)}/compte/confirm-email/[^\s]+/", text_of(message)).group(0)
    assert subject_of(message)
    page.goto(link)
    screenshot(page, "04-confirm-email-phone")
    page.get_by_role("button", name="Confirmer").click()

    # Signed in, back where the request started.
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscription à la cantine scolaire")
    expect(page.get_by_text("Ajoutez d’abord le membre de votre foyer concerné")).to_be_visible()
    screenshot(page, "05-form-without-member-phone")
    page.get_by_role("link", name="Ajouter un membre du foyer").click()
    page.get_by_label("Prénom").fill("Yanis")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Benali")
    page.get_by_label("Date de naissance").fill("2018-06-15")
    page.get_by_label("Enfant").check()
    screenshot(page, "06-add-child-phone")
    page.get_by_role("button", name="Enregistrer").click()

    # Back on the form: the child is offered, contact details come from the account.
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscription à la cantine scolaire")
    expect(page.get_by_text("Yanis Benali fait maintenant partie de votre foyer.")).to_be_visible()
    page.get_by_label(re.compile("Yanis Benali")).check()
    page.get_by_label("Jours de présence").fill("lundi, mardi, jeudi")
    expect(page.get_by_label("Adresse électronique")).to_have_value(EMAIL)
    expect(page.get_by_label("Adresse électronique")).to_be_disabled()
    screenshot(page, "07-family-form-phone")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a bien été reçue")
    ticket = Ticket.objects.get()
    assert ticket.household_member.first_name == "Yanis"
    assert ticket.citizen.user.email == EMAIL

    # The dashboard lists it; the agent replies; the reply is flagged, then read on the ticket page.
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Sarah Benali")
    expect(page.get_by_text(ticket.reference_display)).to_be_visible()
    message_post_by_agent(ticket=ticket, agent=agent, body=AGENT_REPLY)
    page.reload()
    expect(page.get_by_text("Nouvelle réponse de la mairie")).to_be_visible()
    screenshot(page, "08-dashboard-unread-phone")
    page.get_by_role("link", name="Inscription à la cantine scolaire").click()
    expect(page.locator(".thread .message--agent")).to_contain_text(AGENT_REPLY)
    screenshot(page, "09-ticket-from-account-phone")
    page.get_by_role("link", name="Mon compte").first.click()
    expect(page.get_by_text("Nouvelle réponse de la mairie")).to_have_count(0)

    # The other pages of the account, as they look on a phone.
    page.get_by_role("link", name="Gérer mon foyer").click()
    expect(page.get_by_role("heading", level=2, name="Yanis Benali")).to_be_visible()
    screenshot(page, "10-household-phone")
    page.goto(f"{site.url}/compte/profil/")
    expect(page.get_by_label("Prénom")).to_have_value("Sarah")
    screenshot(page, "11-profile-phone")
    page.goto(f"{site.url}/compte/supprimer/")
    expect(page.get_by_text("reste archivée par la mairie")).to_be_visible()
    screenshot(page, "12-delete-phone")
    page.goto(f"{site.url}/compte/email/")
    screenshot(page, "13-email-phone")
    page.goto(f"{site.url}/compte/password/change/")
    screenshot(page, "14-password-phone")
    assert errors == []
