from django.contrib import admin

from guichet.mailroom.models import Letter, MailItem


@admin.register(MailItem)
class MailItemAdmin(admin.ModelAdmin):
    list_display = ["original_name", "received_on", "status", "ocr_status", "page_count", "ticket"]
    list_filter = ["status", "ocr_status", "source"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in MailItem._meta.fields if f.name != "received_on"]

    def has_add_permission(self, request) -> bool:
        return False  # scans come in through the mail room, where they are checked


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["ticket", "recipient_name", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Letter._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
