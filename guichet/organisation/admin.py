from django.contrib import admin

from guichet.catalogue.admin import AcknowledgementWarningMixin
from guichet.organisation.models import Agent, ClosureDay, Commune, Service


@admin.register(Commune)
class CommuneAdmin(AcknowledgementWarningMixin):
    list_display = ["name", "email", "phone"]

    def has_add_permission(self, request) -> bool:
        return not Commune.objects.exists()


@admin.register(Service)
class ServiceAdmin(AcknowledgementWarningMixin):
    list_display = ["name", "slug", "email", "phone", "is_active"]
    fields = ["name", "slug", "email", "postal_address", "phone", "is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role"]
    list_filter = ["role", "services"]
    filter_horizontal = ["services"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "label"]
    date_hierarchy = "date"
