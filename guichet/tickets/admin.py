from django.contrib import admin

from guichet.tickets.models import Attachment, Event, Message, Ticket


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = readonly_fields = ("created_at", "author_kind", "author", "visibility", "channel", "body")
    can_delete = False


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = readonly_fields = (
        "created_at",
        "kind",
        "actor_kind",
        "actor",
        "channel",
        "from_status",
        "to_status",
        "data",
    )
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only audit view: changes go through the back office, which writes events."""

    list_display = ["reference", "subject", "service", "status", "channel", "created_at", "due_date"]
    list_filter = ["status", "channel", "service"]
    list_select_related = ["service"]
    search_fields = ["reference", "subject", "citizen__last_name", "citizen__email"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, EventInline]
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "ticket", "content_type", "size", "created_at"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
