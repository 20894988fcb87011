from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "guichet.retention"
    label = "retention"
    verbose_name = _("Conservation des données")

    def ready(self) -> None:
        from guichet.notifications import registry
        from guichet.notifications.models import Template
        from guichet.retention import notices
        from guichet.retention.job import retention_daily

        # The notice's download link is signed at send time: no usable link is ever stored.
        registry.register_secret([Template.RETENTION_NOTICE], notices.DOWNLOAD_LINK)
        registry.register_daily_task(retention_daily)
