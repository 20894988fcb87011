from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from guichet.catalogue.models import Field, RequestType, Theme
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


@admin.register(RequestType)
class RequestTypeAdmin(AcknowledgementWarningMixin):
    list_display = [
        "name",
        "theme",
        "service",
        "deadline_days",
        "is_active",
        "requires_account",
        "requires_family_member",
    ]
    list_filter = ["is_active", "requires_account", "requires_family_member", "theme", "service"]
    list_select_related = ["theme", "service"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FieldInline]
