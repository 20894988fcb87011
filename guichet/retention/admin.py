from django.contrib import admin

from guichet.retention.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("request_type", "months", "action")
    list_select_related = ("request_type",)
    autocomplete_fields = ("request_type",)
