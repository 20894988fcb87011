"""axe-core (WCAG 2.1 A and AA, best practices) on every citizen page and state and the main agent pages.

Two tests, one browser each, many pages: RGAA 4.1 follows WCAG 2.1 AA, and the accessibility declaration
(/accessibilite/) says what an audit found; this keeps the automatic part of it at 0 violations.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Page, expect

from guichet.accounts.models import User
from guichet.accounts.services import account_citizen
from guichet.catalogue.models import FieldKind
from guichet.compliance.access_log import access_log_write
from guichet.compliance.models import AccessAction, AccessObject
from guichet.households.services import member_create
from guichet.organisation.models import Role
from guichet.places.place import Place
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.services import message_post_by_agent, message_post_by_citizen
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_located_report import blank_tiles
from tests.browser.test_resultats import AXE_OPTIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-test"


class Audit:
    """Visit pages in one browser and collect every violation, reported together at the end."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base, self.axe, self.reports, self.visited = page, base, Axe(), [], []

    def check(self, label: str) -> None:
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        self.visited.append(label)
        if results.violations_count:
            self.reports.append(f"== {label} ({self.page.url})\n{results.generate_report()}")

    def visit(self, path: str, label: str | None = None) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        self.check(label or path)

    def assert_clean(self) -> None:
        assert not self.reports, "\n".join(self.reports)


def _every_kind_of_field(service):
    request_type = factories.RequestTypeFactory(service=service, slug="toutes-sortes", name="Demande complète")
    kinds = [
        ("texte", FieldKind.SHORT_TEXT, ""), ("long", FieldKind.LONG_TEXT, ""), ("nombre", FieldKind.NUMBER, ""),
        ("date", FieldKind.DATE, ""), ("choix", FieldKind.CHOICE, "Oui\nNon"),
        ("plusieurs", FieldKind.MULTIPLE_CHOICE, "Piétons\nCyclistes"), ("courriel", FieldKind.EMAIL, ""),
        ("telephone", FieldKind.PHONE, ""), ("adresse", FieldKind.ADDRESS, ""), ("fichier", FieldKind.FILE, ""),
    ]  # fmt: skip
    for order, (code, kind, choices) in enumerate(kinds, start=1):
        factories.FieldFactory(
            request_type=request_type, code=code, label=f"Champ {code}", kind=kind, choices=choices, order=order
        )
    return request_type


def test_every_citizen_page_and_state_passes_axe(
    page: Page, context, live_server, settings, request_type, agent, ban_api
):
    settings.SITE_URL = live_server.url
    full = _every_kind_of_field(request_type.service)
    family = factories.RequestTypeFactory(service=request_type.service, slug="cantine", requires_family_member=True)
    audit = Audit(page, live_server.url)
    page.set_viewport_size(PHONE)

    for path in ("/", f"/demarches/{request_type.slug}/", f"/demarches/{full.slug}/", "/suivi/", "/resultats/",
                 "/donnees-personnelles/", "/accessibilite/", "/compte/login/", "/compte/signup/",
                 "/compte/password/reset/"):  # fmt: skip
        audit.visit(path)

    # A form sent empty: its errors; then a complete one: the confirmation.
    page.goto(f"{live_server.url}/demarches/{full.slug}/")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator(".field--error").first).to_be_visible()
    audit.check("request form with errors")
    page.goto(f"{live_server.url}/demarches/{request_type.slug}/")
    page.get_by_label("Description").fill("Un trou profond devant le 3 rue Haute.")
    page.get_by_label("Numéro et voie").fill("3 rue Haute")
    page.get_by_label("Code postal").fill("45270")
    page.get_by_label("Commune", exact=True).fill("Villebrune")
    page.get_by_label("Prénom").fill("Hélène")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Adresse électronique").fill("helene@example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/confirmation/")
    audit.check("confirmation")

    # A located request type (issue 17): the address combobox with its suggestions open, and the map.
    page.route("**/*.tile.openstreetmap.fr/**", blank_tiles)
    located = factories.RequestTypeFactory(service=request_type.service, slug="lampadaire", location_mode="both")
    audit.visit(f"/demarches/{located.slug}/", "located request form")
    page.get_by_role("combobox", name="Adresse ou lieu").focus()
    page.keyboard.type("rue du moul")
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    audit.check("located request form, address suggestions open")
    page.keyboard.press("Enter")
    located_ticket = factories.make_ticket(
        request_type=located,
        citizen=factories.CitizenFactory(),
        place=Place(label="Au bout du chemin", latitude=45.1885, longitude=5.7245, in_base=False),
    )
    page.goto(f"{live_server.url}/suivi/{located_ticket.reference}/acces/{access_token_issue(ticket=located_ticket)}/")
    expect(page.locator("[data-static-map]")).to_be_visible()
    audit.check("citizen's located ticket with its map")
    # « Moi aussi » on that open located request, and its confirmation.
    audit.visit(f"/demarches/{located.slug}/moi-aussi/{located_ticket.reference}/", "me too form")
    audit.visit(f"/demarches/{located.slug}/moi-aussi/{located_ticket.reference}/merci/", "me too confirmation")

    # Tracking: the public status page, the access-code page, the dashboard with a thread.
    citizen = factories.CitizenFactory()
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    message_post_by_agent(ticket=ticket, agent=agent, body="Pouvez-vous préciser le numéro de la rue ?")
    message_post_by_citizen(ticket=ticket, body="C'est devant le 3.", channel="web")
    audit.visit(f"/suivi/{ticket.reference}/", "status page")
    audit.visit(f"/suivi/{ticket.reference}/code/", "access code")
    page.goto(f"{live_server.url}/suivi/{ticket.reference}/acces/{access_token_issue(ticket=ticket)}/")
    expect(page.get_by_text("C'est devant le 3.")).to_be_visible()
    audit.check("dashboard with a thread")

    # Account pages, signed in.
    user = User.objects.create_user(username="sarah", email="sarah@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    holder = account_citizen(user)
    member_create(
        citizen=holder,
        first_name="Yanis",
        last_name="Benali",
        birth_date=datetime.date(2018, 3, 2),
        relationship="child",
    )
    factories.make_ticket(request_type=request_type, citizen=holder)
    browser = Client()
    browser.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value, "url": live_server.url}])
    for path in ("/compte/", "/compte/profil/", "/compte/famille/", "/compte/famille/ajouter/", "/compte/supprimer/",
                 "/compte/email/", f"/demarches/{family.slug}/"):  # fmt: skip
        audit.visit(path)
    page.set_viewport_size(DESKTOP)
    audit.visit("/", "home on a desktop")
    audit.assert_clean()
    assert len(audit.visited) >= 20


def test_the_main_agent_pages_pass_axe(page: Page, live_server, settings, request_type, citizen):
    settings.SITE_URL = live_server.url
    admin = factories.AgentFactory(role=Role.ADMINISTRATOR, services=[request_type.service]).user
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    message_post_by_agent(ticket=ticket, agent=admin, body="Note pour l'équipe.", internal=True)
    access_log_write(user=admin, action=AccessAction.VIEW, kind=AccessObject.TICKET, object_id=ticket.reference)
    audit = Audit(page, live_server.url)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/agent/connexion/")
    audit.check("agent sign-in")
    page.get_by_label("Nom d’utilisateur").or_(page.get_by_label("Nom d'utilisateur")).fill(admin.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Données personnelles").first).to_be_visible()
    for path, label in (
        ("/agent/", "inbox"), (f"/agent/demandes/{ticket.reference}/", "ticket"), ("/agent/usagers/?q=Lef", "directory"),
        (f"/agent/usagers/{citizen.public_id}/", "citizen"), ("/agent/pilotage/", "pilotage"),
        ("/agent/nouvelle-demande/", "new request"), ("/agent/courrier/", "mail room"),
        ("/agent/courriels-en-quarantaine/", "quarantine"), ("/agent/rgpd/", "register"),
        ("/agent/rgpd/journal/", "access log"), (f"/agent/rgpd/usagers/{citizen.public_id}/", "citizen rights"),
    ):  # fmt: skip
        audit.visit(path, label)
    page.set_viewport_size(PHONE)
    audit.visit(f"/agent/demandes/{ticket.reference}/", "ticket on a phone")
    # A located ticket typed freely: its « hors BAN » flag and its small map.
    page.route("**/*.tile.openstreetmap.fr/**", blank_tiles)
    located = factories.make_ticket(
        request_type=request_type,
        citizen=citizen,
        place=Place(label="Au bout du chemin", latitude=45.1885, longitude=5.7245, in_base=False),
    )
    audit.visit(f"/agent/demandes/{located.reference}/", "located ticket, out of the BAN")
    audit.visit("/agent/carte/", "map of the open located requests")
    audit.assert_clean()
