from django.contrib import admin

from guichet.citizens.models import Citizen


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "preferred_channel", "created_at"]
    search_fields = ["last_name", "first_name", "email", "phone"]
