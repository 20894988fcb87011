"""Form pieces shared by the citizen-facing forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonNameForm(forms.Form):
    """First and last name, with the autocomplete hints browsers and password managers read."""

    first_name = forms.CharField(
        label=_("Prénom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
