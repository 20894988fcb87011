from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.forms import PhoneField
from guichet.citizens.models import Citizen, ContactChannel
from guichet.lib.forms import PersonNameForm
from guichet.lib.phones import is_mobile, parse_phone
from guichet.lib.uploads import MultipleAttachmentField

ACK_CHOICES = [
    (ContactChannel.EMAIL, _("Par courriel")),
    (ContactChannel.SMS, _("Par SMS")),
    (ContactChannel.EMAIL_AND_SMS, _("Par courriel et par SMS")),
]


class ContactForm(PersonNameForm):
    """Who is asking, and how they want their tracking number."""

    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        help_text=_("Nécessaire pour recevoir nos réponses par courriel. Format attendu : nom@domaine.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(
        label=_("Téléphone portable"),
        required=False,
        help_text=_("Nécessaire pour recevoir nos SMS. Exemple : 06 12 34 56 78"),
    )
    ack_channel = forms.ChoiceField(
        label=_("Comment souhaitez-vous recevoir votre numéro de suivi et nos réponses ?"),
        choices=ACK_CHOICES,
        initial=ContactChannel.EMAIL,
        widget=forms.RadioSelect,
    )
    # Left empty by people; bots fill every field they find.
    website = forms.CharField(
        required=False,
        label=_("Ne pas remplir ce champ"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Needed or not depending on the chosen channel: neither "required" nor "optional" is true.
        for name in ("email", "phone"):
            self.fields[name].conditional = True  # type: ignore[attr-defined]  # read by the field template

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        email, phone, channel = data.get("email"), data.get("phone"), data.get("ack_channel")
        if "email" in self.errors or "phone" in self.errors:
            return data
        if not email and not phone:
            raise forms.ValidationError(
                _(
                    "Indiquez une adresse électronique ou un numéro de téléphone portable pour recevoir votre numéro de suivi."
                ),
                code="no_contact",
            )
        if channel in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS} and not email:
            self.add_error("email", _("Indiquez votre adresse électronique pour recevoir nos courriels."))
        if channel in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS}:
            number = parse_phone(phone) if phone else None
            if number is None:
                self.add_error("phone", _("Indiquez votre numéro de téléphone portable pour recevoir nos SMS."))
            elif not is_mobile(number):
                self.add_error(
                    "phone", _("Ce numéro n'est pas un numéro de portable : il ne peut pas recevoir de SMS.")
                )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))


def contact_form_for(citizen: Citizen | None, data: Any = None) -> ContactForm:
    """The contact form; for a signed-in citizen, prefilled from the account, whose verified email it keeps."""
    if citizen is None:
        return ContactForm(data, prefix="contact")
    initial = {
        "first_name": citizen.first_name,
        "last_name": citizen.last_name,
        "email": citizen.email,
        "phone": citizen.phone_display if citizen.phone else "",
        "ack_channel": citizen.preferred_channel
        if citizen.preferred_channel in dict(ACK_CHOICES)
        else ContactChannel.EMAIL,
    }
    form = ContactForm(data, prefix="contact", initial=initial)
    form.fields["email"].disabled = True
    form.fields["email"].help_text = _("L’adresse de votre compte. Vous pouvez la changer dans votre compte.")
    return form


class CitizenReplyForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleAttachmentField(label=_("Pièces jointes"))  # type: ignore[assignment]  # a declared field, not BaseForm.files
