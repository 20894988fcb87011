"""Warn the administrator when the accessibility audit is missing or older than three years."""

from django.core import checks
from django.db import DatabaseError

from guichet.compliance.accessibility import audit_outdated
from guichet.organisation.models import Commune


@checks.register(checks.Tags.database)
def accessibility_audit_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        commune = Commune.objects.order_by("pk").first()
    except DatabaseError:  # tables not created yet
        return []
    if commune is None or not audit_outdated(commune):
        return []
    return [
        checks.Warning(
            "L'audit d'accessibilité (RGAA) est absent ou date de plus de trois ans : "
            "le service est « non conforme » tant qu'un audit valide n'est pas saisi.",
            hint="Saisissez la date et le taux du dernier audit dans /admin/ (Commune).",
            id="compliance.W001",
        )
    ]
