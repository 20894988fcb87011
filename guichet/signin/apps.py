from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "guichet.signin"
    label = "signin"
    verbose_name = _("Connexion des agents")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from guichet.signin.twofactor import twofactor_step_at_login

        # Settled with the sign-in's own session write, so pages after it read the session only.
        user_logged_in.connect(twofactor_step_at_login, dispatch_uid="guichet_twofactor_step_at_login")
