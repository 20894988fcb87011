from oidc_provider.apps import OIDCProviderConfig


class ProviderConfig(OIDCProviderConfig):
    # The app sets no default_auto_field: without this, makemigrations wants a migration of its own.
    default_auto_field = "django.db.models.AutoField"
