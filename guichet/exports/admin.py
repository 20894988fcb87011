from django.contrib import admin

from guichet.exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """The audit of exports: read-only."""

    list_display = ["created_at", "requested_by", "source", "format", "with_citizen", "row_count", "status"]
    list_filter = ["format", "status", "with_citizen", "source"]
    search_fields = ["requested_by__username", "requested_by__last_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
