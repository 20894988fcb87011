from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.api.keys import api_key_create, api_keys_revoke
from guichet.api.models import ApiKey, Scope


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("droits"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = ApiKey
        fields = ["name", "owner", "user", "scopes", "revoked_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "owner", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "owner", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "owner", "user", "scopes"]
        return ["name", "owner", "user", "scopes", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = api_key_create(name=obj.name, owner=obj.owner, scopes=form.cleaned_data["scopes"], user=obj.user)
        obj.pk, obj.prefix, obj.secret_hash, obj.created_at = key.pk, key.prefix, key.secret_hash, key.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("Clé créée. Copiez-la maintenant, elle ne sera plus jamais affichée : %(key)s") % {"key": raw},
        )

    @admin.action(description=_("Révoquer les clés choisies"))
    def revoke(self, request, queryset):
        count = api_keys_revoke(queryset)
        self.message_user(request, ngettext("%(n)d clé révoquée.", "%(n)d clés révoquées.", count) % {"n": count})
