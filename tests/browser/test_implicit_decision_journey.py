"""A citizen whose request was implicitly accepted opens their page on a phone and downloads the attestation;
the agent asks for missing documents from the ticket page. Real Chromium, live server, database."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guichet.catalogue.models import LegalRegime
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.implicit import implicit_decisions_run
from guichet.tickets.models import DocumentRequest
from tests import factories
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/legal")


def test_citizen_downloads_the_attestation_on_a_phone(page: Page, live_server, service, commune, citizen, screenshot):
    sva = factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVA, name="Occupation du domaine public"
    )
    ticket = factories.make_ticket(
        request_type=sva,
        citizen=citizen,
        received_at=timezone.now() - datetime.timedelta(days=70),
        subject="Benne devant le 12 rue des Lilas",
    )
    implicit_decisions_run()
    token = access_token_issue(ticket=ticket)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/suivi/{ticket.reference}/acces/{token}/")
    expect(page.get_by_text("Acceptation implicite").first).to_be_visible()
    button = page.get_by_role("link", name="Télécharger l’attestation (PDF)")
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "tracking-implicit-acceptance-375.png", full_page=True)
    screenshot(page, "tracking-implicit-acceptance")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.startswith("attestation-")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_agent_asks_for_missing_documents(page: Page, live_server, service, commune, citizen, agent):
    sva = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVA)
    ticket = factories.make_ticket(request_type=sva, citizen=citizen)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/agent/connexion/")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(agent.username)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/agent/demandes/{ticket.reference}/")
    page.get_by_text("Demander des pièces manquantes").click()
    page.get_by_label("Pièces ou informations manquantes").fill("Plan de situation\nAttestation d'assurance")
    page.get_by_role("button", name="Envoyer la demande de pièces").click()
    expect(page.get_by_text("Délai suspendu")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "agent-documents-requested-375.png", full_page=True)
    assert DocumentRequest.objects.get(ticket=ticket).items == ["Plan de situation", "Attestation d'assurance"]
