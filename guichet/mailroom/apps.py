from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailroomConfig(AppConfig):
    name = "guichet.mailroom"
    label = "mailroom"
    verbose_name = _("Service courrier")
