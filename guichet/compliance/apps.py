from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "guichet.compliance"
    label = "compliance"
    verbose_name = _("Données personnelles et accessibilité")

    def ready(self) -> None:
        from guichet.compliance import checks  # noqa: F401 (registers the audit-age check)
