from django.contrib import admin

from guichet.households.models import HouseholdMember


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(admin.ModelAdmin):
    list_display = ["full_name", "relationship", "birth_date", "citizen", "archived_at"]
    list_filter = ["relationship"]
    search_fields = ["first_name", "last_name", "citizen__last_name"]
    raw_id_fields = ["citizen"]
