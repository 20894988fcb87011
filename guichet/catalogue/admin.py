from django.contrib import admin

from guichet.catalogue.models import Field, RequestType, Theme


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
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "theme",
        "service",
        "deadline_days",
        "priority",
        "is_active",
        "requires_account",
        "requires_family_member",
    ]
    list_filter = ["is_active", "requires_account", "requires_family_member", "theme", "service", "priority"]
    list_select_related = ["theme", "service", "priority"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FieldInline]
