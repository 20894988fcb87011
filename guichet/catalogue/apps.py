from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "guichet.catalogue"
    label = "catalogue"
    verbose_name = _("Catalogue des démarches")

    def ready(self) -> None:
        from guichet.catalogue import published
        from guichet.catalogue.models import Field, RequestType, Theme
        from guichet.organisation.models import Priority, Service

        # What the portal keeps of a request type (catalogue.published) is read again after any change to it.
        for model in (RequestType, Field, Theme, Service, Priority):
            for signal in (post_save, post_delete):
                signal.connect(published.catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model.__name__}")
