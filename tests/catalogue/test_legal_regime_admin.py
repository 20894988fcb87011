"""The request type's admin groups the regime fields under « Cadre juridique » and refuses a decision without a delay."""

import pytest
from django.urls import reverse

from guichet.catalogue.models import LegalRegime, RequestType
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@mairie.test", "mot-de-passe-test")
    client.force_login(admin)
    return client


def form_data(request_type, **changes):
    data = {
        "name": request_type.name,
        "slug": request_type.slug,
        "description": request_type.description,
        "theme": request_type.theme_id,
        "service": request_type.service_id,
        "deadline_days": 10,
        "duplicate_radius_m": 50,
        "position_public": "on",
        "order": 0,
        "is_active": "on",
        "legal_regime": LegalRegime.SVA,
        "implicit_decision_months": 2,
        "implicit_decision_days": 0,
        "fields-TOTAL_FORMS": 0,
        "fields-INITIAL_FORMS": 0,
    }
    return {**data, **changes}


def test_the_admin_shows_the_legal_fieldset(admin_client, request_type):
    page = admin_client.get(reverse("admin:catalogue_requesttype_change", args=[request_type.pk])).text
    assert "Cadre juridique" in page and "L231-1" in page
    assert 'name="implicit_decision_months"' in page and 'name="acknowledgement_exempt"' in page


def test_a_decision_without_a_delay_is_refused(admin_client, request_type):
    url = reverse("admin:catalogue_requesttype_change", args=[request_type.pk])
    response = admin_client.post(url, form_data(request_type, implicit_decision_months=0))
    assert response.status_code == 200
    assert "Une démarche qui appelle une décision a un délai" in response.text
    request_type.refresh_from_db()
    assert request_type.legal_regime == LegalRegime.REPORT
    response = admin_client.post(url, form_data(request_type, legal_regime=LegalRegime.SVR, implicit_decision_months=1))
    assert response.status_code == 302
    assert RequestType.objects.get(pk=request_type.pk).legal_regime == LegalRegime.SVR


def test_the_demo_sets_realistic_regimes(db):
    from guichet.demo import demo_data

    regimes = {spec["slug"]: spec.get("legal_regime", "report") for spec in demo_data.REQUEST_TYPES}
    assert regimes["arrete-stationnement"] == LegalRegime.SVA
    assert regimes["attestation-accueil"] == LegalRegime.SVR
    assert regimes["nid-de-poule"] == LegalRegime.REPORT
    factories.RequestTypeFactory()  # the factory's default stays a report
    assert RequestType.objects.get().legal_regime == LegalRegime.REPORT
