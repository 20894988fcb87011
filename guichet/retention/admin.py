from django.contrib import admin

from guichet.organisation.models import Commune
from guichet.retention.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("request_type", "months", "action")
    list_select_related = ("request_type",)
    autocomplete_fields = ("request_type",)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        Commune.forget_cached()  # a bulk delete skips the model's delete()
