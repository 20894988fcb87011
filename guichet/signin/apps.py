from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "guichet.signin"
    label = "signin"
    verbose_name = _("Connexion des agents")
