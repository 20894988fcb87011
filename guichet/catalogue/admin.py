from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import Field, LegalRegime, RequestType, Theme
from guichet.tickets.acknowledgement import acknowledgement_configuration_problems

SHOWN_PROBLEMS = 10


def warn_of_incomplete_acknowledgements(request: HttpRequest) -> None:
    """A banner over the pages where the fix is made: what an acknowledgement would lack (CRPA R112-5)."""
    problems = acknowledgement_configuration_problems()
    for problem in problems[:SHOWN_PROBLEMS]:
        messages.warning(request, _("Accusé de réception incomplet — %(problem)s") % {"problem": problem})
    if len(problems) > SHOWN_PROBLEMS:
        messages.warning(
            request,
            _("… et %(count)d autre(s) : lancez « manage.py check_acknowledgements ».")
            % {"count": len(problems) - SHOWN_PROBLEMS},
        )


class AcknowledgementWarningMixin(admin.ModelAdmin):
    """The list pages whose settings feed every acknowledgement: say what one would lack."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            warn_of_incomplete_acknowledgements(request)
        return super().changelist_view(request, extra_context)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    prepopulated_fields = {"slug": ["name"]}


class FieldInline(admin.StackedInline):
    model = Field
    extra = 0
    fields = [("label", "code"), ("kind", "required", "order"), "help_text", "choices"]
    prepopulated_fields = {"code": ["label"]}


class RequestTypeForm(forms.ModelForm):
    """The admin's form (its fields come from the fieldsets below): a decision-bearing type needs a delay."""

    def clean(self) -> dict:
        data = super().clean() or {}
        decides = data.get("legal_regime") in (LegalRegime.SVA, LegalRegime.SVR)
        if decides and not data.get("implicit_decision_months") and not data.get("implicit_decision_days"):
            raise forms.ValidationError(
                _("Une démarche qui appelle une décision a un délai : indiquez des mois ou des jours.")
            )
        return data


@admin.register(RequestType)
class RequestTypeAdmin(AcknowledgementWarningMixin):
    form = RequestTypeForm
    list_display = [
        "name",
        "theme",
        "service",
        "deadline_days",
        "legal_regime",
        "priority",
        "is_active",
        "requires_account",
        "requires_family_member",
    ]
    list_filter = [
        "is_active",
        "legal_regime",
        "requires_account",
        "requires_family_member",
        "theme",
        "service",
        "priority",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "theme", "service", "priority", "deadline_days", "order"]}),
        (_("Accès"), {"fields": ["is_active", "requires_account", "requires_family_member"]}),
        (
            _("Localisation"),
            {
                "fields": ["location_mode", "duplicate_radius_m", "position_public"],
                "description": _(
                    "Où se situe la demande (adresse, point sur une carte), les demandes semblables proposées avant "
                    "le dépôt, et si sa position est publiée par l’API Open311 (précision : réglage de la commune)."
                ),
            },
        ),
        (
            _("Cadre juridique"),
            {
                "fields": [
                    "legal_regime",
                    ("implicit_decision_months", "implicit_decision_days"),
                    "acknowledgement_exempt",
                ],
                "description": _(
                    "Code des relations entre le public et l'administration : le silence gardé deux mois vaut "
                    "acceptation (article L231-1), sauf exceptions où il vaut rejet (article L231-4) ou délai "
                    "fixé par un texte particulier."
                ),
            },
        ),
    ]
    list_select_related = ["theme", "service", "priority"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FieldInline]
