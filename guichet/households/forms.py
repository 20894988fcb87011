from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.households.models import Relationship


class MemberForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        help_text=_("Format attendu : jj/mm/aaaa"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    relationship = forms.ChoiceField(label=_("Lien avec vous"), choices=Relationship.choices, widget=forms.RadioSelect)
