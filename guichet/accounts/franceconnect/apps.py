from django.apps import AppConfig


class FranceConnectConfig(AppConfig):
    name = "guichet.accounts.franceconnect"
    label = "franceconnect"
    verbose_name = "FranceConnect"
