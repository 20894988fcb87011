from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "guichet.backoffice"
    label = "backoffice"
    verbose_name = _("Back office des agents")

    def ready(self) -> None:
        from guichet.backoffice import sessions  # noqa: F401  (connects the agents' sign-in receiver)
