from django.contrib import admin

from guichet.citizens.models import Citizen
from guichet.citizens.services import EDITABLE_FIELDS, citizen_create, citizen_update


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "preferred_channel", "created_at"]
    search_fields = ["last_name", "first_name", "email", "phone"]
    # The account link and birth date come from the citizen's own account (accounts app).
    readonly_fields = ["public_id", "user", "birth_date", "created_at", "updated_at"]

    def save_model(self, request, obj: Citizen, form, change: bool) -> None:
        # Through the services, so values are normalised and the directory search stays right.
        values = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            citizen_update(citizen=Citizen.objects.get(pk=obj.pk), **values)
        else:
            saved = citizen_create(**values)
            obj.pk = saved.pk
