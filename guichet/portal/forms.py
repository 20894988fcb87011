from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.lib import references


class TrackingForm(forms.Form):
    reference = forms.CharField(
        label=_("Numéro de suivi"),
        max_length=30,
        help_text=_("Il figure dans votre accusé de réception. Exemple : K7Q-2M9-XDH"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        reference = references.normalise(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _("Ce numéro de suivi n'est pas valide : vérifiez-le (9 caractères, lettres et chiffres)."),
                code="invalid",
            )
        return reference


class AccessCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu"),
        max_length=12,
        help_text=_("Six chiffres, valable 15 minutes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = "".join(c for c in self.cleaned_data["code"] if c.isdigit())
        if len(code) != 6:
            raise forms.ValidationError(_("Le code comporte six chiffres."), code="invalid")
        return code
