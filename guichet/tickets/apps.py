from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "guichet.tickets"
    label = "tickets"
    verbose_name = _("Demandes")

    def ready(self) -> None:
        # Imported here, not at the top: Django loads the models after the app configs.
        from guichet.notifications import registry
        from guichet.notifications.models import CITIZEN_TEMPLATES, Template
        from guichet.tickets import acknowledgement, credentials, escalation, implicit, services, surveys

        # A citizen's message carries a fresh personal link; an access code message, its code.
        personal_link = registry.Secret("token", credentials.personal_link_mint, credentials.personal_link_withdraw)
        registry.register_secret(CITIZEN_TEMPLATES, personal_link)
        access_code = registry.Secret("code", credentials.access_code_mint, credentials.access_code_unmint)
        registry.register_secret([Template.ACCESS_CODE], access_code)
        # A satisfaction survey's invitation carries its survey's secret.
        survey = registry.Secret("survey", surveys.survey_mint, surveys.survey_withdraw)
        registry.register_secret([Template.SURVEY], survey)
        # What became of a ticket's notification goes on its timeline, written by tickets.services.
        registry.register_event_recorder(services.ticket_notification_event)
        # Every acknowledgement states what CRPA R112-5 requires: the mentions come from one builder.
        registry.register_context([Template.ACKNOWLEDGEMENT], acknowledgement.notification_context)
        # Every worker escalates the targets about to be missed, beside its recovery sweep.
        registry.register_periodic_job("escalation", escalation.escalation_run)
        # The implicit-decision clock (CRPA L231-1, L231-4): warnings and decisions, once a day.
        registry.register_daily_task(implicit.implicit_decisions_daily)
        # What follows a new ticket (its acknowledgement, its facts, its service's alerts) runs again safely after
        # a failure, and sends the acknowledgement itself.
        registry.register_rerunnable_task(services.ticket_received)
        registry.register_delivering_task(services.ticket_received)

        # The statistics' working days follow the commune's calendar: recounted by the worker when it changes.
        from django.db.models.signals import post_delete, post_save

        from guichet.organisation.models import ClosureDay, Commune
        from guichet.tickets.tasks import calendar_changed

        for model in (ClosureDay, Commune):
            post_save.connect(calendar_changed, sender=model, dispatch_uid=f"ticket-facts-{model.__name__}-saved")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=f"ticket-facts-{model.__name__}-deleted")
