"""An agent's day in a real browser: log in, filter the inbox, open a web ticket, answer with a template.

The citizen's dashboard then shows the answer and the new status. Chromium, live server, database: all real.
"""

import pytest
from playwright.sync_api import Page, expect

from guichet.backoffice.models import ReplyTemplate
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Message
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-test"


def test_agent_filters_opens_a_web_ticket_and_answers_with_a_template(
    page: Page, new_context, live_server, settings, request_type, agent, screenshot
):
    settings.SITE_URL = live_server.url
    citizen = factories.CitizenFactory(first_name="Hélène", last_name="Lefèvre")
    web_ticket = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.WEB)
    phone_ticket = factories.make_ticket(
        request_type=request_type, citizen=factories.CitizenFactory(last_name="Martin"), channel=Channel.PHONE
    )
    ReplyTemplate.objects.create(
        title="Intervention programmée",
        service=request_type.service,
        body="Bonjour {{ usager }},\nUne équipe interviendra avant le {{ echeance }} ({{ reference }}).\n{{ agent }}",
    )

    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/agent/")
    expect(page).to_have_url(f"{live_server.url}/agent/connexion/?next=/agent/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Mon service 2")).to_have_attribute("aria-current", "page")

    # Filter by channel: only the web ticket stays.
    page.get_by_text("Filtres et tri").click()
    page.get_by_label("Canal").select_option(Channel.WEB)
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(f"{live_server.url}/agent/?vue=mon-service&canal=web&tri=echeance")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(web_ticket.reference_display)
    expect(page.get_by_text(phone_ticket.reference_display)).to_have_count(0)
    screenshot(page, "01-inbox-filtered")

    page.get_by_role("link", name=web_ticket.reference_display).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(web_ticket.subject)
    page.get_by_label("Partir d’un modèle de réponse").select_option(label="Intervention programmée")
    page.get_by_role("button", name="Prévisualiser").click()
    body = page.get_by_role("textbox", name="Message")
    expect(body).to_contain_text("Bonjour Hélène Lefèvre,")
    expect(body).to_contain_text(web_ticket.reference_display)
    body.press("Control+End")
    body.type("\nMerci pour votre signalement.")
    page.get_by_label("Ensuite").select_option(Status.ANSWERED)
    screenshot(page, "02-reply-from-template")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Votre réponse est envoyée à l'usager.")).to_be_visible()
    expect(page.locator(".ticket-head .badge").first).to_have_text("Répondue")

    reply = Message.objects.get(ticket=web_ticket, author=agent)
    assert reply.body.startswith("Bonjour Hélène Lefèvre,\nUne équipe interviendra avant le")
    assert reply.body.endswith("Merci pour votre signalement.")

    # The citizen opens their personal link: the answer and the status are there.
    citizen_page = new_context(viewport=PHONE).new_page()
    token = access_token_issue(ticket=web_ticket)
    citizen_page.goto(f"{live_server.url}/suivi/{web_ticket.reference}/acces/{token}/")
    expect(citizen_page.locator(".summary .badge")).to_have_text("Répondue")
    expect(citizen_page.locator(".thread")).to_contain_text("Merci pour votre signalement.")
    expect(citizen_page.locator(".thread")).to_contain_text("Une équipe interviendra")
    screenshot(citizen_page, "03-citizen-sees-the-answer")
