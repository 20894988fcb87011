from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "guichet.places"
    verbose_name = _("Adresses et positions")
    default_auto_field = "django.db.models.BigAutoField"
