"""« Moi aussi » on a phone (issue 17): a second citizen sees the request already filed nearby and follows it;
an agent answers; both citizens are told by email. Chromium, live server, task worker and SMTP server: real.

The first located request is made by a factory. The second citizen's place is set as the form's place block
leaves it (its map and address suggestions are tested in test_located_report.py): the location inputs filled and
the ``guichet:location-changed`` event on document.body, which the nearby slot listens to.
"""

import pytest
from playwright.sync_api import Page, expect

from guichet.catalogue.models import LocationMode
from guichet.tickets import nearby
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket, TicketFollower
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_citizen_journey import received_emails, subject_of, text_of, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = (45.7640, 4.8357)
PASSWORD = "mot-de-passe-test"
PLACE_BLOCK = """([lat, lon]) => {
  const form = document.querySelector("form.request-form");
  for (const [name, value] of [["location_lat", lat], ["location_lon", lon], ["location_address", "14 rue de la République"]]) {
    form.querySelector(`[name=${name}]`).value = value;
  }
  document.body.dispatchEvent(new CustomEvent("guichet:location-changed", {detail: {lat, lon, address: ""}}));
}"""


@pytest.fixture
def site(settings, live_server, smtp_server):
    settings.SITE_URL = live_server.url
    return live_server


def test_a_second_citizen_says_me_too_on_a_phone_and_both_are_told_of_the_answer(
    page: Page, new_context, site, smtp_server, run_worker, request_type, agent, screenshot
):
    request_type.name = "Signaler un éclairage public en panne"
    request_type.location_mode = LocationMode.BOTH
    request_type.save()
    first = factories.CitizenFactory(first_name="Hélène", last_name="Premier", email="helene@example.org")
    filed = factories.make_ticket(request_type=request_type, citizen=first)
    Ticket.objects.filter(pk=filed.pk).update(
        latitude=HERE[0], longitude=HERE[1], address_label="14 rue de la République 69001 Lyon"
    )
    run_worker()  # the first citizen's acknowledgement
    errors: list[str] = []
    watch_errors(page, errors)

    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/demarches/{request_type.slug}/")
    page.get_by_label("Prénom").fill("Paul")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Martin")
    page.get_by_label("Adresse électronique").fill("paul@example.org")
    page.evaluate(PLACE_BLOCK, [str(HERE[0] + 12 / nearby.METRES_PER_DEGREE_LAT), str(HERE[1])])

    panel = page.locator(".nearby-list")
    expect(panel).to_contain_text("Déjà signalé à proximité ?")
    expect(panel).to_contain_text("rue de la République 69001 Lyon")
    expect(panel).to_contain_text("à environ 12 m")
    expect(panel).not_to_contain_text("Premier")
    expect(panel).not_to_contain_text("14 rue")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "01-nearby-request-on-a-phone")
    panel.get_by_role("button", name="Moi aussi").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("C’est noté : vous suivez cette demande")
    expect(page.locator(".reference")).to_contain_text(filed.reference_display)
    screenshot(page, "02-me-too-noted")
    assert Ticket.objects.count() == 1
    follower = TicketFollower.objects.get(ticket=filed)
    assert (follower.citizen.first_name, follower.citizen.email) == ("Paul", "paul@example.org")

    # The agent sees two people affected and answers.
    agent_page = new_context(viewport=DESKTOP).new_page()
    agent_page.goto(f"{site.url}/agent/demandes/{filed.reference}/")
    agent_page.get_by_label("Nom d’utilisateur").or_(agent_page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    agent_page.get_by_label("Mot de passe").fill(PASSWORD)
    agent_page.get_by_role("button", name="Se connecter").click()
    expect(agent_page.get_by_text("2 personnes concernées")).to_be_visible()
    agent_page.get_by_role("textbox", name="Message").fill("Le lampadaire a été réparé ce matin.")
    agent_page.get_by_label("Ensuite").select_option(Status.ANSWERED)
    agent_page.get_by_role("button", name="Envoyer la réponse").click()
    expect(agent_page.get_by_text("Votre réponse est envoyée à l'usager.")).to_be_visible()

    run_worker()
    [update, confirmation] = sorted(received_emails(smtp_server, "paul@example.org"), key=subject_of)
    assert subject_of(confirmation).startswith(f"Vous suivez la demande n° {filed.reference_display}")
    assert subject_of(update) == f"La demande n° {filed.reference_display} que vous suivez : Répondue"
    assert "Bonjour Paul Martin" in text_of(update) and "Premier" not in text_of(update)
    assert f"/suivi/{filed.reference}/" in text_of(update) and "/acces/" not in text_of(update)
    answers = [
        m for m in received_emails(smtp_server, "helene@example.org") if "Le lampadaire a été réparé" in text_of(m)
    ]
    assert len(answers) == 1
    assert errors == []
