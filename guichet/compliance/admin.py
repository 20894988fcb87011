from django.contrib import admin
from django.http import HttpRequest

from guichet.compliance.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the viewing paths and purged by its retention only."""

    list_display = ["at", "actor", "action", "object_kind", "object_id"]
    list_filter = ["action", "object_kind"]
    date_hierarchy = "at"
    search_fields = ["=object_id", "actor"]
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
