from django.contrib import admin

from guichet.intake.models import InboundEmail, Mailbox


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "reason", "resolution", "ticket"]
    list_filter = ["outcome", "resolution"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket"]
    # The raw message is read in the back office (« Courriels en quarantaine »), never served from MEDIA_URL.
    exclude = ["raw"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields if f.name != "raw"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["key", "uid_validity", "handled_through", "polled_at"]
    readonly_fields = ["key", "uid_validity", "handled_through", "polled_at"]

    def has_add_permission(self, request) -> bool:
        return False
