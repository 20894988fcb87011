"""The request type behind the accessibility declaration's feedback means (décret 2019-768): a short deadline.

Created on an existing installation only (one with a service to route it to); a fresh one gets it from the
demo or from the administrator. Reversing leaves it: requests may already use it.
"""

from django.db import migrations

SLUG = "signaler-un-defaut-d-accessibilite"


def create(apps, schema_editor):
    RequestType = apps.get_model("catalogue", "RequestType")
    Theme = apps.get_model("catalogue", "Theme")
    Service = apps.get_model("organisation", "Service")
    service = Service.objects.filter(is_active=True).order_by("name").first()
    if service is None or RequestType.objects.filter(slug=SLUG).exists():
        return
    theme = Theme.objects.order_by("-order", "pk").first() or Theme.objects.create(
        name="Autres questions", slug="autres", order=99
    )
    request_type = RequestType.objects.create(
        slug=SLUG,
        name="Signaler un défaut d'accessibilité",
        description=(
            "Un contenu ou une fonction du site vous est inaccessible ? Dites-le nous : "
            "nous vous apportons l'information ou le service sous une autre forme."
        ),
        theme=theme,
        service=service,
        deadline_days=5,
    )
    Field = apps.get_model("catalogue", "Field")
    Field.objects.create(request_type=request_type, code="page", label="Page ou démarche concernée", kind="short_text", required=False, order=1)
    Field.objects.create(request_type=request_type, code="probleme", label="Difficulté rencontrée", kind="long_text", order=2)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("catalogue", "0004_legal_regime"),
        ("organisation", "0009_commune_privacy_accessibility_agent_dpo"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
