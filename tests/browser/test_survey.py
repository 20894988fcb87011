"""A citizen answers the satisfaction survey on a 375 px phone with the keyboard alone; the page passes axe-core."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guichet.surveys.models import Survey
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket
from guichet.tickets.surveys import survey_paper_code
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_resultats import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/survey")


@pytest.fixture
def survey_path(request_type, citizen, agent) -> str:
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    services.ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    return "/avis/" + survey_paper_code(ticket=ticket).replace("-", "") + "/"


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user would."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got the focus")


def test_a_citizen_answers_the_survey_with_the_keyboard_on_a_phone(page: Page, live_server, survey_path, screenshot):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + survey_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre avis sur le traitement de votre demande")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.screenshot(path=SHOTS / "survey-375.png", full_page=True)

    tab_to(page, "input[name=ease]")
    page.keyboard.press("Space")  # "Très bien"
    page.keyboard.press("Tab")
    expect(page.locator("input[name=quality]").first).to_be_focused()
    page.keyboard.press("ArrowDown")  # the next answer of the group: "Moyen"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # "Très bien"
    page.keyboard.press("Tab")
    expect(page.get_by_label("Votre commentaire")).to_be_focused()
    page.keyboard.type("Le trou a été rebouché, mais il s’est rouvert.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mon problème n’est pas résolu")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Envoyer mon avis")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Merci : votre avis est enregistré.")).to_be_visible()
    expect(page.get_by_text("Votre demande est rouverte")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.screenshot(path=SHOTS / "thanks-375.png", full_page=True)
    survey = Survey.objects.get()
    assert (survey.ease, survey.quality, survey.delay, survey.not_resolved) == ("good", "medium", "good", True)
    assert survey.comment == "Le trou a été rebouché, mais il s’est rouvert."
    assert Ticket.objects.get().status == Status.IN_PROGRESS


def test_the_survey_with_its_errors_passes_the_audit(page: Page, live_server, survey_path):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + survey_path)
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("alert")).to_contain_text("Le questionnaire n’est pas complet")
    assert_accessible(page)
    page.screenshot(path=SHOTS / "errors-375.png", full_page=True)
