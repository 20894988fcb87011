from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "guichet.backoffice"
    label = "backoffice"
    verbose_name = _("Back office des agents")

    def ready(self) -> None:
        from guichet.backoffice import sessions  # noqa: F401  (connects the agents' sign-in receiver)
        from guichet.backoffice.inbox_source import SOURCE, inbox_tickets
        from guichet.exports.sources import register_source

        register_source(SOURCE, inbox_tickets)
