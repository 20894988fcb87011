from django import forms
from django.utils.translation import gettext_lazy as _


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Contentieux, enquête, demande d’une autorité… Sans données personnelles."),
        error_messages={"required": _("Indiquez le motif."), "max_length": _("300 caractères au plus.")},
    )
