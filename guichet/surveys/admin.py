from django.contrib import admin

from guichet.surveys.models import Survey, SurveyRefusal


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only: answers come from citizens, and the secrets exist only as hashes."""

    list_display = ("ticket", "channel", "created_at", "answered_at", "ease", "quality", "delay", "not_resolved")
    list_filter = ("channel", "not_resolved", "ease", "quality", "delay")
    list_select_related = ("ticket",)
    exclude = ("token_hash",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SurveyRefusal)
class SurveyRefusalAdmin(admin.ModelAdmin):
    list_display = ("citizen", "created_at")
    list_select_related = ("citizen",)
    raw_id_fields = ("citizen",)
