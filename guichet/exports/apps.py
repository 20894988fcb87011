from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "guichet.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from guichet.exports.sources import register_source
        from guichet.exports.statistics_source import SOURCE, statistics_tickets

        register_source(SOURCE, statistics_tickets)
