from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailroomConfig(AppConfig):
    name = "guichet.mailroom"
    label = "mailroom"
    verbose_name = _("Service courrier")

    def ready(self) -> None:
        # Imported here, not at the top: Django loads the models after the app configs.
        from guichet.mailroom.letters import letter_queue
        from guichet.notifications import registry

        # The post is the mail room's: an answer by post is a letter, queued in the answer's transaction.
        registry.register_post_transport(letter_queue)
