from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.catalogue.admin import AcknowledgementWarningMixin
from guichet.compliance.accessibility import audit_outdated
from guichet.organisation.models import Agent, ClosureDay, Commune, OpeningHours, Priority, Service
from guichet.tickets.escalation import targets_recompute_later


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


COLOUR_FIELDS = ("primary_color", "primary_text_color")


@admin.register(Commune)
class CommuneAdmin(AcknowledgementWarningMixin):
    list_display = ["name", "email", "phone"]
    inlines = [OpeningHoursInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The browser's colour picker (its value is #rrggbb, checked again by the model: format and contrast).
        if db_field.name in COLOUR_FIELDS:
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        elif db_field.name == "logo":
            kwargs["widget"] = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Commune, form, change: bool) -> None:
        previous = Commune.objects.filter(pk=obj.pk).values_list("logo", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if previous and previous != obj.logo.name:
            # The former logo, replaced or cleared: its URL changed with the version, nothing names it any more.
            storage = obj.logo.storage
            transaction.on_commit(lambda: storage.delete(previous))

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

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        Commune.forget_cached()
        # Opening hours, holidays' subdivision or warning threshold: the open tickets' targets move with them.
        targets_recompute_later()


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "is_default",
        "first_response_target",
        "first_response_unit",
        "resolution_target",
        "resolution_unit",
    ]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Priority, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            targets_recompute_later()  # the open tickets of this priority get the new targets


@admin.register(Service)
class ServiceAdmin(AcknowledgementWarningMixin):
    list_display = ["name", "slug", "email", "phone", "is_active"]
    fields = ["name", "slug", "email", "postal_address", "phone", "is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "is_dpo", "origin"]
    list_filter = ["role", "is_dpo", "services", "user__directory_account__source"]
    filter_horizontal = ["services"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "user__directory_account"]
    readonly_fields = ["origin"]

    @admin.display(description=gettext_lazy("origine du compte"))
    def origin(self, obj: Agent) -> str:
        """Local password, or the directory that created the account (it sets the role and services again)."""
        account = getattr(obj.user, "directory_account", None)
        if account is None:
            return str(_("Compte local"))
        return str(
            _("%(source)s (rôle et services repris à chaque connexion)") % {"source": account.get_source_display()}
        )


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "label"]
    date_hierarchy = "date"

    # A closure day moves the targets of the open tickets that run over it.
    def save_model(self, request: HttpRequest, obj: ClosureDay, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        targets_recompute_later()

    def delete_model(self, request: HttpRequest, obj: ClosureDay) -> None:
        super().delete_model(request, obj)
        targets_recompute_later()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClosureDay]) -> None:
        super().delete_queryset(request, queryset)
        Commune.forget_cached()
        targets_recompute_later()
