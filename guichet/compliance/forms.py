from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.citizens.models import ContactChannel
from guichet.compliance.models import AccessAction, AccessObject
from guichet.compliance.selectors import AccessLogFilter
from guichet.lib.dates import validate_in_range


class AccessLogForm(forms.Form):
    """The access log's filters (GET). Invalid values are shown with their message, never a 500."""

    qui = forms.CharField(label=_("Agent ou clé d’API"), max_length=100, required=False)
    identifiant = forms.CharField(label=_("Numéro de suivi ou identifiant d’usager"), max_length=64, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Toutes"))] + AccessAction.choices, required=False)
    objet = forms.ChoiceField(label=_("Objet"), choices=[("", _("Tous"))] + AccessObject.choices, required=False)
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_in_range]
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_in_range]
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", _("La date de fin doit suivre la date de début."))
        return data

    def filters(self) -> AccessLogFilter:
        data = self.cleaned_data
        return AccessLogFilter(
            actor=data.get("qui", ""),
            identifier=data.get("identifiant", ""),
            action=data.get("action", ""),
            kind=data.get("objet", ""),
            since=data.get("du"),
            until=data.get("au"),
        )


class RectifyForm(forms.Form):
    """What an agent may correct on a citizen's record (``citizens.services.EDITABLE_FIELDS``)."""

    last_name = forms.CharField(label=_("Nom"), max_length=100)
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    email = forms.EmailField(label=_("Courriel"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    street = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Code postal"), max_length=10, required=False)
    city = forms.CharField(label=_("Commune"), max_length=100, required=False)
    preferred_channel = forms.ChoiceField(label=_("Contact préféré"), choices=ContactChannel.choices)
    consent_email = forms.BooleanField(label=_("Accepte d’être contacté par courriel"), required=False)
    consent_sms = forms.BooleanField(label=_("Accepte d’être contacté par SMS"), required=False)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme l’effacement : la fiche et les coordonnées de ses demandes seront anonymisées, sans retour possible."
        ),
        error_messages={"required": _("Cochez la case pour confirmer l’effacement.")},
    )
