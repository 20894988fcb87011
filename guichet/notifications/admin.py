from django.contrib import admin
from django.template import TemplateSyntaxError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.lib.sms import sms_length
from guichet.notifications.models import (
    DeliveryAttempt,
    Notification,
    NotificationChannel,
    TemplateOverride,
    WorkerHeartbeat,
)
from guichet.notifications.preview import template_preview


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "started_at", "finished_at", "succeeded", "error", "provider_message_id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    inlines = [DeliveryAttemptInline]
    list_display = ["created_at", "template", "channel", "recipient", "status", "attempts", "sent_at", "delivered_at"]
    list_filter = ["status", "channel", "template"]
    search_fields = ["recipient", "ticket__reference", "provider_message_id"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TemplateOverride)
class TemplateOverrideAdmin(admin.ModelAdmin):
    list_display = ["template", "channel", "is_active", "updated_at"]
    list_filter = ["channel", "is_active"]
    fields = ["template", "channel", "is_active", "subject", "text", "html", "preview"]
    readonly_fields = ["preview"]

    @admin.display(description=_("Aperçu (exemple de demande)"))
    def preview(self, obj: TemplateOverride) -> str:
        if obj.pk is None:
            return _("Enregistrez pour voir l’aperçu.")
        try:
            rendered = template_preview(obj)
        except (TemplateSyntaxError, ValueError) as error:
            return format_html("<strong>{}</strong> {}", _("Erreur :"), error)
        if obj.channel == NotificationChannel.SMS:
            length = sms_length(rendered.text)
            return format_html(
                "<pre style='white-space:pre-wrap'>{}</pre><p>{} · {} {}</p>",
                rendered.text,
                length.encoding,
                length.segments,
                _("partie(s)"),
            )
        return format_html(
            "<p><strong>{}</strong></p><pre style='white-space:pre-wrap'>{}</pre>"
            "<iframe sandbox srcdoc='{}' style='width:100%;height:480px;border:1px solid #ccc'></iframe>",
            rendered.subject,
            rendered.text,
            rendered.html,
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Which task workers run, and when each was last seen alive (read only: the workers write it)."""

    list_display = readonly_fields = ("worker_id", "hostname", "pid", "started_at", "seen_at", "stopped_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
