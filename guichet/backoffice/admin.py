from django.contrib import admin

from guichet.backoffice.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "service", "is_active", "order"]
    list_filter = ["is_active", "service"]
    search_fields = ["title", "body"]
