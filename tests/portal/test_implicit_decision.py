"""The citizen's side: the implicit-decision date on the tracking pages, the attestation of an implicit
acceptance (L232-3) as a PDF for whoever holds access, and nobody else."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pdfminer.high_level import extract_text

from guichet.catalogue.models import LegalRegime
from guichet.tickets import services
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.implicit import implicit_decisions_run
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sva(service, commune):
    return factories.RequestTypeFactory(
        service=service, legal_regime=LegalRegime.SVA, name="Occupation du domaine public"
    )


def accepted_ticket(sva, citizen):
    received = timezone.now() - datetime.timedelta(days=70)
    ticket = factories.make_ticket(
        request_type=sva, citizen=citizen, received_at=received, subject="Benne rue des Lilas"
    )
    assert implicit_decisions_run().decided == 1
    ticket.refresh_from_db()
    return ticket


def open_link(client, ticket):
    token = access_token_issue(ticket=ticket)
    assert client.get(reverse("portal:access", args=[ticket.reference, token])).status_code == 302


def test_the_tracking_pages_show_the_implicit_decision_date(client, sva, citizen):
    ticket = factories.make_ticket(request_type=sva, citizen=citizen)
    date = f"{ticket.implicit_decision_on.day} "
    status_page = client.get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "Sans réponse, acceptée à la fin du" in status_page and date in status_page
    open_link(client, ticket)
    dashboard = client.get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "Sans réponse, acceptée à la fin du" in dashboard
    assert "Télécharger l’attestation" not in dashboard  # only once the silence has decided


def test_a_suspended_clock_says_so(client, sva, citizen, agent):
    ticket = factories.make_ticket(request_type=sva, citizen=citizen)
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    services.documents_request(ticket=ticket, agent=agent, items=["Plan de situation"], deadline=deadline)
    open_link(client, ticket)
    page = client.get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "délai suspendu : pièces manquantes demandées" in page
    assert "Plan de situation" in page and "Pièces manquantes demandées" in page


def test_the_citizen_downloads_the_attestation_of_implicit_acceptance(client, sva, citizen):
    ticket = accepted_ticket(sva, citizen)
    open_link(client, ticket)
    page = client.get(reverse("portal:ticket", args=[ticket.reference])).text
    assert "Télécharger l’attestation (PDF)" in page and "Acceptation implicite" in page
    response = client.get(reverse("portal:attestation", args=[ticket.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = " ".join(extract_text(io.BytesIO(response.content)).split())
    for expected in (
        "Attestation de décision implicite d'acceptation",
        "Article L232-3 du code des relations entre le public et l'administration",
        "Mairie de Testville",
        citizen.full_name,
        "Occupation du domaine public",
        "Benne rue des Lilas",
        ticket.reference_display,
        f"{ticket.implicit_decision_on.day} ",
    ):
        assert expected in text, expected


def test_a_stranger_gets_no_attestation(client, sva, citizen):
    ticket = accepted_ticket(sva, citizen)
    response = client.get(reverse("portal:attestation", args=[ticket.reference]))
    assert response.status_code == 404
    assert citizen.last_name not in response.text
    other = factories.make_ticket(request_type=sva, citizen=factories.CitizenFactory(email="autre@example.org"))
    open_link(client, other)  # access to another ticket gives nothing on this one
    assert client.get(reverse("portal:attestation", args=[ticket.reference])).status_code == 404


def test_no_attestation_without_an_implicit_acceptance(client, sva, citizen, service, commune):
    ticket = factories.make_ticket(request_type=sva, citizen=citizen)
    open_link(client, ticket)
    assert client.get(reverse("portal:attestation", args=[ticket.reference])).status_code == 404
    svr = factories.RequestTypeFactory(service=service, legal_regime=LegalRegime.SVR)
    rejected = factories.make_ticket(
        request_type=svr, citizen=citizen, received_at=timezone.now() - datetime.timedelta(days=70)
    )
    implicit_decisions_run()
    open_link(client, rejected)
    page = client.get(reverse("portal:ticket", args=[rejected.reference])).text
    assert "réputée rejetée" in page and "tribunal administratif" in page
    assert client.get(reverse("portal:attestation", args=[rejected.reference])).status_code == 404
