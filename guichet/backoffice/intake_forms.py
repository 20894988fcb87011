"""Forms of the agents' new-request screen (phone and counter)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.forms import PhoneField
from guichet.catalogue.models import RequestType
from guichet.citizens.models import ContactChannel
from guichet.citizens.services import DECLINED
from guichet.lib.phones import is_mobile, parse_phone
from guichet.lib.uploads import MultipleAttachmentField
from guichet.tickets.lifecycle import Channel

AGENT_CHANNELS = [(Channel.PHONE, _("Téléphone")), (Channel.COUNTER, _("Accueil au guichet"))]
NO_ACKNOWLEDGEMENT = DECLINED
ACK_CHOICES = [
    (ContactChannel.EMAIL, _("Par courriel")),
    (ContactChannel.SMS, _("Par SMS")),
    (ContactChannel.EMAIL_AND_SMS, _("Par courriel et par SMS")),
    (NO_ACKNOWLEDGEMENT, _("Aucun envoi (numéro lu au téléphone ou récépissé imprimé)")),
]


class RequestTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RequestType) -> str:
        # Name first: typing its first letters on the focused list picks it (browsers' type-ahead).
        return f"{obj.name} ({obj.theme.name})"


class SetupForm(forms.Form):
    """First step, by GET: channel, request type and an optional citizen search."""

    canal = forms.ChoiceField(label=_("Canal"), choices=AGENT_CHANNELS, initial=Channel.PHONE, widget=forms.RadioSelect)
    demarche = RequestTypeChoiceField(
        label=_("Démarche"),
        queryset=RequestType.objects.active().select_related("theme").order_by("name"),
        to_field_name="slug",
        empty_label=_("— Choisir la démarche —"),
    )


class NewCitizenForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    phone = PhoneField(label=_("Téléphone"), required=False, help_text=_("Exemple : 06 12 34 56 78"))
    email = forms.EmailField(label=_("Adresse électronique"), required=False)
    street = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    postcode = forms.RegexField(
        label=_("Code postal"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("Le code postal doit comporter 5 chiffres.")},
    )
    city = forms.CharField(label=_("Commune"), max_length=100, required=False)


class AcknowledgementForm(forms.Form):
    ack = forms.ChoiceField(
        label=_("Accusé de réception"), choices=ACK_CHOICES, initial=ContactChannel.EMAIL, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note interne"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible des seuls agents."),
    )
    files = MultipleAttachmentField(label=_("Pièces jointes (documents apportés par l’usager)"))  # type: ignore[assignment]  # a declared field, not BaseForm.files

    def check_contact(self, *, email: str, phone: str) -> None:
        """The chosen acknowledgement needs the matching address (the citizen's answer is their consent)."""
        ack = self.cleaned_data.get("ack")
        if ack in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS} and not email:
            self.add_error("ack", _("Pas d’adresse électronique pour cet usager : choisissez un autre envoi."))
        if ack in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS}:
            number = parse_phone(phone) if phone else None
            if number is None or not is_mobile(number):
                self.add_error("ack", _("Pas de numéro de portable pour cet usager : choisissez un autre envoi."))

    @property
    def acknowledge(self) -> bool:
        return self.cleaned_data["ack"] != NO_ACKNOWLEDGEMENT


class RelayedMessageForm(forms.Form):
    """What a citizen said on the phone or at the counter about an existing request."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    canal = forms.ChoiceField(label=_("Reçu"), choices=AGENT_CHANNELS, initial=Channel.PHONE, widget=forms.RadioSelect)
    body = forms.CharField(label=_("Ce que dit l’usager"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleAttachmentField(label=_("Pièces jointes"))  # type: ignore[assignment]  # a declared field, not BaseForm.files
