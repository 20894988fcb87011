from django.contrib import admin

from guichet.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "template"]
    search_fields = ["recipient", "ticket__reference", "provider_message_id"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
