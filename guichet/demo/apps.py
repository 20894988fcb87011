from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demonstration and benchmark data: seeders only, no models."""

    name = "guichet.demo"
    label = "demo"
    verbose_name = _("Démonstration")
