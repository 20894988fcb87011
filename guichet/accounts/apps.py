from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        # Imported here, not at the top: Django loads the models after the app configs.
        from guichet.accounts import phones, signals  # noqa: F401  (signals connects the receivers)
        from guichet.notifications import registry
        from guichet.notifications.models import Template

        # The code of a phone verification SMS is drawn when it is sent, and withdrawn if the sending fails.
        code = registry.Secret("code", phones.phone_verification_mint, phones.phone_verification_unmint)
        registry.register_secret([Template.PHONE_VERIFICATION], code)
