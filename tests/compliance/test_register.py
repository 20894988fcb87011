"""The register of processing activities: generated from the configuration, exportable, for the DPO."""

import csv
import io

import pytest
from django.urls import reverse

from guichet.compliance.register import processing_register
from guichet.organisation.models import Commune
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["agent", "supervisor", "reception"])
@pytest.mark.parametrize("name", ["backoffice:processing_register", "backoffice:processing_register_csv"])
def test_the_register_is_refused_to_other_agents(client, request, persona, name):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403


def test_the_navigation_shows_the_link_to_the_dpo_only(client, agent, dpo):
    client.force_login(agent)
    assert reverse("backoffice:processing_register") not in client.get(reverse("backoffice:inbox")).content.decode()
    client.force_login(dpo)
    assert reverse("backoffice:processing_register") in client.get(reverse("backoffice:inbox")).content.decode()


def test_each_active_request_type_is_an_activity_with_its_service_data_and_retention(
    request_type, other_service, settings
):
    Commune.objects.filter(pk=Commune.current().pk).update(retention_months=18)
    Commune.forget_cached()
    settings.GUICHET_ACCESS_LOG_DAYS = 200
    family = factories.RequestTypeFactory(
        service=other_service, name="Inscription cantine", requires_family_member=True
    )
    factories.RequestTypeFactory(service=other_service, name="Ancienne démarche", is_active=False)
    commune = Commune.current()
    commune.privacy_recipients = "Prestataire de SMS Exemple"
    commune.save()

    activities = {activity.name: activity for activity in processing_register()}
    pothole = activities[f"Démarche « {request_type.name} »"]
    assert pothole.service == "Voirie" and pothole.legal_basis == "public_task"
    assert "Agents du service « Voirie »" in pothole.recipients and "Prestataire de SMS Exemple" in pothole.recipients
    assert pothole.retention == "18 mois après la clôture de la demande, puis anonymisation."
    assert "pièces jointes" in pothole.categories  # its photo field
    canteen = activities[f"Démarche « {family.name} »"]
    assert any("membre du foyer" in category for category in canteen.categories)
    assert "Démarche « Ancienne démarche »" not in activities
    assert activities["Journal des accès aux données personnelles"].retention == "200 jours, puis suppression."
    assert {"Comptes citoyens et espace famille", "Service courrier (lettres numérisées)", "Courriels reçus"} <= set(
        activities
    )


def test_the_register_page_and_its_csv_export(client, dpo, request_type):
    client.force_login(dpo)
    page = client.get(reverse("backoffice:processing_register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Démarche « {request_type.name} »" in html and "Mission d’intérêt public (article 6.1.e du RGPD)" in html
    export = client.get(reverse("backoffice:processing_register_csv"))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Traitement" and rows[0][-1] == "Durée de conservation"
    assert any(row[0] == f"Démarche « {request_type.name} »" and row[1] == "Voirie" for row in rows[1:])
    assert len(rows) == 1 + len(processing_register())


def test_the_register_warns_when_the_accessibility_audit_is_missing(client, administrator, commune):
    client.force_login(administrator)
    assert (
        "L’audit d’accessibilité est absent" in client.get(reverse("backoffice:processing_register")).content.decode()
    )
