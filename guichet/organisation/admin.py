from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext as _

from guichet.compliance.accessibility import audit_outdated
from guichet.organisation.models import Agent, ClosureDay, Commune, Service


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return not Commune.objects.exists()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        commune = Commune.objects.filter(pk=object_id).first() if object_id else None
        if request.method == "GET" and commune is not None and audit_outdated(commune):
            messages.warning(
                request,
                _(
                    "L’audit d’accessibilité est absent ou date de plus de trois ans : le service est déclaré "
                    "« non conforme ». Saisissez la date et le taux du dernier audit."
                ),
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        commune = Commune.objects.order_by("pk").first()
        if commune is not None and audit_outdated(commune):
            messages.warning(request, _("L’audit d’accessibilité est absent ou date de plus de trois ans."))
        return super().changelist_view(request, extra_context)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "is_dpo"]
    list_filter = ["role", "is_dpo", "services"]
    filter_horizontal = ["services"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "label"]
    date_hierarchy = "date"
