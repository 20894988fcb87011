from django.contrib import admin

from guichet.intake.models import InboundEmail


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "reason", "ticket"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
