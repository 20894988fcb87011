"""A citizen's whole journey in a real browser: catalogue, form, email, personal link, exchange with the agent.

Everything is real and local: Chromium, the live server, the database, the task worker and an SMTP server.
"""

import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from guichet.tickets.lifecycle import Status
from guichet.tickets.models import AuthorKind, Message, Ticket
from guichet.tickets.services import message_post_by_agent
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "Un trou de 20 cm devant l'école, côté trottoir."
AGENT_QUESTION = "Bonjour, pouvez-vous préciser le numéro de la maison la plus proche ?"
CITIZEN_ANSWER = "C'est devant le numéro 14, juste après le passage piéton."


@pytest.fixture
def site(settings, live_server, smtp_server):
    """Links in emails must lead back to the live server."""
    settings.SITE_URL = live_server.url
    return live_server


def received_emails(smtp_server, to: str) -> list[EmailMessage]:
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)
        for e in smtp_server.envelopes
        if e.rcpt_tos == [to]
    ]


def subject_of(message: EmailMessage) -> str:
    # Django folds a long encoded subject right after "Subject:"; Python's parser keeps that leading space.
    return str(message["Subject"]).strip()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def watch_errors(page: Page, errors: list[str]) -> None:
    """Script errors and CSP violations; failed loads (the expected 400 of the invalid form) are not errors here."""
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )


def focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return `${e.tagName.toLowerCase()}[name=${e.getAttribute('name')}] ${(e.textContent || '').trim()}`; }"
    )


def tab_to_submit(page: Page, max_presses: int = 5) -> list[str]:
    """Press Tab until the submit button has focus; return every element the focus passed through."""
    path = []
    for _press in range(max_presses):
        page.keyboard.press("Tab")
        path.append(focused(page))
        if page.evaluate("() => document.activeElement.type === 'submit'"):
            return path
    raise AssertionError(f"Tab never reached the submit button; focus went through {path}")


def test_citizen_submits_a_request_then_follows_it_up_from_the_emailed_link(
    page: Page, new_context, site, smtp_server, run_worker, request_type, agent, screenshot
):
    factories.RequestTypeFactory(name="Demander un acte de naissance", theme=request_type.theme)
    console_errors: list[str] = []
    watch_errors(page, console_errors)
    page.set_viewport_size(PHONE)

    # The catalogue: search narrows the tiles as one types (htmx), then the citizen opens the form.
    page.goto(site.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Que souhaitez-vous demander à la mairie ?")
    screenshot(page, "01-home-phone")
    page.get_by_label("Rechercher une démarche").fill("nid-de-poule")
    expect(page.get_by_role("link", name="Demander un acte de naissance")).to_have_count(0)
    expect(page.get_by_text("Résultats pour « nid-de-poule »")).to_be_visible()
    page.get_by_role("link", name="Signaler un nid-de-poule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler un nid-de-poule")
    screenshot(page, "02-form-phone")

    # Filled in with a wrong postcode; the description is typed on the keyboard, and the form sent with it.
    page.get_by_label("Numéro et voie").fill("12 rue de l'Église")
    page.get_by_label("Code postal").fill("44")
    page.get_by_label("Commune", exact=True).fill("Nantes")
    page.get_by_label("Description").focus()
    page.keyboard.type(DESCRIPTION)
    page.get_by_label("Prénom").fill("Hélène")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Adresse électronique").fill("helene.lefevre@example.org")
    page.get_by_label("Par courriel", exact=True).focus()
    expect(page.get_by_label("Par courriel", exact=True)).to_be_checked()
    tab_to_submit(page)
    expect(page.get_by_role("button", name="Envoyer ma demande")).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.keyboard.press("Enter")
    assert response.value.status == 400

    # The refusal explains in French, next to the field, and keeps everything that was typed.
    expect(page).to_have_title(re.compile(r"^Erreur — Signaler un nid-de-poule"))
    expect(page.locator("#erreurs")).to_be_focused()
    expect(page.locator("#champ-f_adresse .field__errors")).to_have_text("Le code postal doit comporter 5 chiffres.")
    expect(page.get_by_label("Description")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Prénom")).to_have_value("Hélène")
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("Lefèvre")
    expect(page.get_by_label("Numéro et voie")).to_have_value("12 rue de l'Église")
    expect(page.get_by_label("Code postal")).to_have_value("44")
    screenshot(page, "03-form-error-phone")
    assert Ticket.objects.count() == 0

    page.get_by_label("Code postal").fill("44000")
    page.get_by_role("button", name="Envoyer ma demande").click()

    # Confirmation: the reference in large type, and exactly one ticket stored.
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a bien été reçue")
    ticket = Ticket.objects.get()
    assert page.url == f"{site.url}/suivi/{ticket.reference}/confirmation/"
    reference = page.locator(".reference")
    # What is seen; screen readers get it spelt out, symbol by symbol, from a hidden text beside it.
    expect(reference.locator("[aria-hidden='true']")).to_have_text(ticket.reference_display)
    assert float(reference.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32
    expect(page.get_by_text("Un accusé de réception part à l’instant à helene.lefevre@example.org")).to_be_visible()
    screenshot(page, "04-confirmation-phone")
    assert ticket.status == Status.RECEIVED
    assert ticket.citizen.email == "helene.lefevre@example.org"
    assert {a["code"]: a["value"] for a in ticket.answers}["adresse"]["postcode"] == "44000"

    # The worker sends the acknowledgement through the real SMTP server.
    assert smtp_server.envelopes == []
    run_worker()
    [acknowledgement] = received_emails(smtp_server, "helene.lefevre@example.org")
    assert subject_of(acknowledgement) == f"Demande reçue — n° {ticket.reference_display} — Signaler un nid-de-poule"
    body = text_of(acknowledgement)
    assert "Bonjour Hélène Lefèvre," in body
    assert f"Numéro de suivi : {ticket.reference_display}" in body
    links = re.findall(rf"{re.escape(site.url)}/suivi/{ticket.reference}/acces/[^/\s]+/", body)
    assert len(links) == 1, body
    personal_link = links[0]
    assert personal_link in acknowledgement.get_body(preferencelist=("html",)).get_content()

    # The link works in a browser that has never seen the site (no session), and drops the secret from the URL.
    citizen = new_context(viewport=DESKTOP).new_page()
    watch_errors(citizen, console_errors)
    citizen.goto(personal_link)
    assert citizen.url == f"{site.url}/suivi/{ticket.reference}/"
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Signaler un nid-de-poule")
    expect(citizen.locator(".summary .badge")).to_have_text("Reçue")
    expect(citizen.get_by_text(DESCRIPTION)).to_be_visible()
    expect(citizen.get_by_role("heading", name="Écrire à la mairie")).to_be_visible()
    expect(citizen.get_by_text("Pas encore de message.")).to_be_visible()
    screenshot(citizen, "05-dashboard-desktop")

    # The agent asks for more information; the citizen sees it on reload.
    message_post_by_agent(ticket=ticket, agent=agent, body=AGENT_QUESTION, new_status=Status.AWAITING_CITIZEN)
    citizen.reload()
    expect(citizen.locator(".thread .message--agent")).to_contain_text(AGENT_QUESTION)
    expect(citizen.locator(".summary .badge")).to_have_text("En attente de votre réponse")
    screenshot(citizen, "06-dashboard-awaiting-desktop")
    run_worker()
    info_request = received_emails(smtp_server, "helene.lefevre@example.org")[-1]
    assert subject_of(info_request) == f"Information demandée pour votre demande n° {ticket.reference_display}"

    # The citizen answers from the dashboard: the message joins the thread and the ticket goes back to the agent.
    citizen.get_by_label("Votre message").fill(CITIZEN_ANSWER)
    citizen.get_by_role("button", name="Envoyer mon message").click()
    expect(citizen.get_by_text("Votre message a bien été envoyé.")).to_be_visible()
    expect(citizen.locator(".thread .message--citizen")).to_contain_text(CITIZEN_ANSWER)
    expect(citizen.locator(".summary .badge")).to_have_text("En cours")
    screenshot(citizen, "07-dashboard-replied-desktop")
    citizen.set_viewport_size(PHONE)
    screenshot(citizen, "08-dashboard-replied-phone")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert list(Message.objects.filter(ticket=ticket).values_list("author_kind", "body")) == [
        (AuthorKind.AGENT, AGENT_QUESTION),
        (AuthorKind.CITIZEN, CITIZEN_ANSWER),
    ]
    run_worker()
    [alert] = received_emails(smtp_server, "voirie@mairie.test")
    assert subject_of(alert) == f"[{ticket.reference_display}] Nouveau message de Hélène Lefèvre"

    # Anyone with the reference alone sees the status, never who asked nor what was said.
    visitor = new_context(viewport=PHONE).new_page()
    visitor.goto(f"{site.url}/suivi/{ticket.reference}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Suivi de la demande")
    expect(visitor.locator(".summary .badge")).to_have_text("En cours")
    screenshot(visitor, "09-public-status-phone")
    # Both what is shown and the HTML itself (apostrophes are escaped there, hence the rendered text too).
    shown, html = visitor.locator("body").inner_text(), visitor.content()
    for private in (
        "Hélène",
        "Lefèvre",
        "helene.lefevre@example.org",
        DESCRIPTION,
        "rue de l'Église",
        AGENT_QUESTION,
        CITIZEN_ANSWER,
        "Écrire à la mairie",
    ):
        assert private not in shown and private not in html, private
    assert ticket.reference_display in shown

    assert console_errors == []


def test_tab_from_the_last_radio_button_reaches_the_submit_button(page: Page, live_server, request_type):
    page.goto(f"{live_server.url}/demarches/{request_type.slug}/")
    page.get_by_label("Par courriel", exact=True).focus()
    page.keyboard.press("Tab")
    assert focused(page).startswith("button"), focused(page)


def test_tracking_box_accepts_a_reference_typed_loosely(page: Page, live_server, request_type, screenshot):
    ticket = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory())
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    tracking = page.get_by_role("complementary", name="Suivre ma demande")
    loose = " ".join(ticket.reference[i : i + 3] for i in range(0, 9, 3)).lower()  # "k7q 2m9 xdh"
    tracking.get_by_label("Numéro de suivi").fill(loose)
    tracking.get_by_role("button", name="Voir ma demande").click()
    expect(page).to_have_url(f"{live_server.url}/suivi/{ticket.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi de la demande")
    expect(page.locator(".reference [aria-hidden='true']")).to_have_text(ticket.reference_display)
    expect(page.locator(".summary .badge")).to_have_text("Reçue")
    screenshot(page, "status-phone")
