from django.contrib import admin
from django.http import HttpRequest

from guichet.portal.models import Refusal


@admin.register(Refusal)
class RefusalAdmin(admin.ModelAdmin):
    list_display = ["day", "reason", "count"]
    list_filter = ["reason"]
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
