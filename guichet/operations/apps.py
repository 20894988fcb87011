from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "guichet.operations"
    label = "operations"
    verbose_name = _("Exploitation")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from guichet.lib.prepared_statements import guard

        connection_created.connect(guard, dispatch_uid="guichet.prepared_statements.guard")
