"""The article 13 notice (short and full), the accessibility declaration and the footer's mention."""

import datetime
from decimal import Decimal

import pytest
from django.core import checks
from django.urls import reverse

from guichet.compliance.accessibility import FEEDBACK_REQUEST_TYPE_SLUG, Conformity, accessibility_status
from guichet.organisation.models import Commune
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("rate", "audit_date", "expected"),
    [
        (Decimal("100"), TODAY, Conformity.TOTAL),
        (Decimal("99.99"), TODAY, Conformity.PARTIAL),
        (Decimal("50"), TODAY - datetime.timedelta(days=3 * 365), Conformity.PARTIAL),
        (Decimal("49.9"), TODAY, Conformity.NONE),
        (Decimal("100"), TODAY - datetime.timedelta(days=3 * 365 + 2), Conformity.NONE),  # older than three years
        (Decimal("100"), None, Conformity.NONE),
        (None, TODAY, Conformity.NONE),
        (Decimal("100"), TODAY + datetime.timedelta(days=1), Conformity.NONE),  # an audit yet to come is not one
    ],
)
def test_the_conformity_status_follows_the_last_audit(rate, audit_date, expected):
    commune = Commune(accessibility_audit_rate=rate, accessibility_audit_date=audit_date)
    assert accessibility_status(commune, TODAY).conformity == expected


def _audit(rate: str, days_ago: int = 30) -> Commune:
    commune = Commune.current()
    commune.accessibility_audit_rate = Decimal(rate)
    commune.accessibility_audit_date = datetime.date.today() - datetime.timedelta(days=days_ago)
    commune.accessibility_non_accessible = "Les cartes ne sont pas décrites.\n\nLes PDF anciens."
    commune.accessibility_multi_year_plan_url = "https://mairie.test/schema-accessibilite"
    commune.save()
    return commune


@pytest.mark.parametrize("path", ["portal:home", "portal:track", "portal:results", "compliance:privacy"])
def test_every_citizen_page_states_the_accessibility_status_in_its_footer(client, commune, path):
    _audit("72.5")
    html = client.get(reverse(path)).content.decode()
    assert "Accessibilité : partiellement conforme" in html
    assert reverse("compliance:accessibility") in html and reverse("compliance:privacy") in html


def test_the_footer_says_non_conforme_without_an_audit(client, commune):
    assert "Accessibilité : non conforme" in client.get(reverse("portal:home")).content.decode()


def test_the_declaration_gives_status_contents_plan_feedback_and_the_defenseur_des_droits(client, commune, service):
    _audit("100", days_ago=10)
    feedback = factories.RequestTypeFactory(
        service=service, slug=FEEDBACK_REQUEST_TYPE_SLUG, name="Signaler un défaut d'accessibilité", deadline_days=5
    )
    html = client.get(reverse("compliance:accessibility")).content.decode()
    assert (
        "Ce service est totalement conforme avec le référentiel général d’amélioration de l’accessibilité (RGAA) version 4.1"
        in html
    )
    assert "loi n° 2005-102 du 11 février 2005" in html and "décret n° 2019-768" in html
    assert "<li>Les cartes ne sont pas décrites.</li>" in html and "<li>Les PDF anciens.</li>" in html
    assert "https://mairie.test/schema-accessibilite" in html
    assert reverse("portal:request_form", args=[feedback.slug]) in html
    assert "Défenseur des droits" in html


def test_the_feedback_request_type_opens_a_request_with_a_short_deadline(client, commune, service):
    feedback = factories.RequestTypeFactory(service=service, slug=FEEDBACK_REQUEST_TYPE_SLUG, deadline_days=5)
    assert client.get(reverse("portal:request_form", args=[feedback.slug])).status_code == 200
    assert feedback.deadline_days <= 5


def test_administrators_are_warned_of_an_outdated_audit(client, commune, admin_user):
    from guichet.compliance.checks import accessibility_audit_check

    assert [message.id for message in accessibility_audit_check()] == ["compliance.W001"]
    client.force_login(admin_user)
    page = client.get(reverse("admin:organisation_commune_change", args=[commune.pk]))
    assert "L’audit d’accessibilité est absent ou date de plus de trois ans" in page.content.decode()
    _audit("80", days_ago=3 * 365 + 5)
    assert accessibility_audit_check()[0].level == checks.WARNING
    _audit("80", days_ago=100)
    assert accessibility_audit_check() == []
    assert (
        "L’audit d’accessibilité est absent"
        not in client.get(reverse("admin:organisation_commune_change", args=[commune.pk])).content.decode()
    )


def test_the_full_notice_names_controller_dpo_purposes_rights_and_the_cnil(client, commune, request_type, settings):
    commune.retention_months = 12  # the retention policy the job applies
    commune.dpo_name = "Centre de gestion du Loiret"
    commune.dpo_email = "dpo@mairie.test"
    commune.privacy_notice_extra = "Les appels au standard ne sont pas enregistrés."
    commune.save()
    html = client.get(reverse("compliance:privacy")).content.decode()
    for expected in (
        "Mairie de Testville", "Centre de gestion du Loiret", "dpo@mairie.test", f"Démarche « {request_type.name} »",
        "Mission d’intérêt public (article 6.1.e du RGPD)", "12 mois après la clôture de la demande",
        "rectifier ou effacer", "CNIL", "www.cnil.fr/fr/plaintes", "Les appels au standard ne sont pas enregistrés.",
    ):  # fmt: skip
        assert expected in html, expected


def test_forms_collecting_personal_data_show_the_short_notice(client, commune, request_type, settings):
    commune.retention_months = 30
    commune.dpo_email = "dpo@mairie.test"
    commune.save()
    form = client.get(reverse("portal:request_form", args=[request_type.slug])).content.decode()
    assert form.index("Envoyer ma demande") < form.index('class="privacy-notice')  # beside the button, after it
    notice = form[form.index('class="privacy-notice') : form.index("</form>")]
    assert "Mairie de Testville, responsable du traitement" in notice and "service « Voirie »" in notice
    assert "30 mois" in notice and "dpo@mairie.test" in notice and "CNIL" in notice
    assert reverse("compliance:privacy") in notice
    signup = client.get(reverse("account_signup")).content.decode()
    assert "gérer votre compte citoyen" in signup and "CNIL" in signup


def test_the_short_notice_costs_no_query(commune, request_type, django_assert_num_queries):
    from django.template import Context, Template

    from guichet.catalogue.models import RequestType

    loaded = RequestType.objects.select_related("service").get(pk=request_type.pk)  # as the form's view loads it
    Commune.current()
    with django_assert_num_queries(1):  # the first one in a cache period reads the retention policies
        Template("{% load compliance %}{% privacy_notice 'traiter la demande' rt %}").render(Context({"rt": loaded}))
    with django_assert_num_queries(0):
        html = Template("{% load compliance %}{% privacy_notice 'traiter la demande' rt %}").render(
            Context({"rt": loaded})
        )
    assert "pour traiter la demande" in html and "Voirie" in html


def test_the_notices_state_the_request_type_s_own_retention_else_the_commune_s(client, commune, request_type, service):
    from guichet.organisation.models import RetentionAction
    from guichet.retention.models import RetentionPolicy

    commune.retention_months = 18
    commune.save()
    other = factories.RequestTypeFactory(service=service, name="Stationnement gênant")
    RetentionPolicy.objects.create(request_type=request_type, months=6, action=RetentionAction.DELETE)
    own = "6 mois après la clôture de la demande, puis suppression de la demande."
    default = "18 mois après la clôture de la demande, puis anonymisation."

    form = client.get(reverse("portal:request_form", args=[request_type.slug])).content.decode()
    assert own in form and default not in form
    assert default in client.get(reverse("portal:request_form", args=[other.slug])).content.decode()

    html = client.get(reverse("compliance:privacy")).content.decode()
    mine = html[html.index(f"Démarche « {request_type.name} »") :]
    assert own in mine[: mine.index("</div>")]
    theirs = html[html.index(f"Démarche « {other.name} »") :]
    assert default in theirs[: theirs.index("</div>")]


def test_the_cached_policies_follow_a_policy_or_the_commune_changing(commune, request_type):
    from guichet.compliance.durations import request_retention_text
    from guichet.retention.models import RetentionPolicy

    commune.retention_months = 18
    commune.save()
    assert request_retention_text(request_type).startswith("18 mois")
    policy = RetentionPolicy.objects.create(request_type=request_type, months=6)
    assert request_retention_text(request_type).startswith("6 mois")
    policy.months = 9
    policy.save()
    assert request_retention_text(request_type).startswith("9 mois")
    policy.delete()
    assert request_retention_text(request_type).startswith("18 mois")
    commune = Commune.current()
    commune.retention_months = 24
    commune.save()
    assert request_retention_text(request_type).startswith("24 mois")


def test_deleting_policies_in_bulk_from_the_admin_forgets_the_cache(client, commune, request_type, admin_user):
    from guichet.compliance.durations import request_retention_text
    from guichet.retention.models import RetentionPolicy

    policy = RetentionPolicy.objects.create(request_type=request_type, months=6)
    assert request_retention_text(request_type).startswith("6 mois")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:retention_retentionpolicy_changelist"),
        {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not RetentionPolicy.objects.exists()
    assert request_retention_text(request_type).startswith(f"{Commune.current().retention_months} mois")
