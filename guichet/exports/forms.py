from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.exports.models import ExportFormat


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.CSV)
    point_virgule = forms.BooleanField(label=_("Séparateur point-virgule (CSV)"), required=False)
    usagers = forms.BooleanField(label=_("Avec les coordonnées des usagers"), required=False)
