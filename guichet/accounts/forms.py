from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.services import account_citizen
from guichet.catalogue.forms import PhoneField
from guichet.citizens.models import ContactChannel
from guichet.lib.forms import PersonNameForm
from guichet.lib.phones import is_mobile, parse_phone


class SignupNamesForm(PersonNameForm):
    """What allauth's sign-up form asks besides the email and password."""

    def signup(self, request, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        account_citizen(user)


class ProfileForm(PersonNameForm):
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    phone = PhoneField(label=_("Téléphone portable"), required=False, help_text=_("Exemple : 06 12 34 56 78"))
    street = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.RegexField(
        label=_("Code postal"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("Le code postal doit comporter 5 chiffres.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 5}),
    )
    city = forms.CharField(
        label=_("Commune"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("Comment préférez-vous être prévenu ?"), choices=ContactChannel.choices, widget=forms.RadioSelect
    )
    consent_email = forms.BooleanField(label=_("J’accepte d’être contacté par courriel"), required=False)
    consent_sms = forms.BooleanField(label=_("J’accepte d’être contacté par SMS"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        channel, phone = data.get("preferred_channel"), data.get("phone")
        if channel in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS} and "phone" not in self.errors:
            number = parse_phone(phone) if phone else None
            if number is None:
                self.add_error("phone", _("Indiquez votre numéro de téléphone portable pour recevoir nos SMS."))
            elif not is_mobile(number):
                self.add_error(
                    "phone", _("Ce numéro n'est pas un numéro de portable : il ne peut pas recevoir de SMS.")
                )
            elif not data.get("consent_sms"):
                self.add_error("consent_sms", _("Pour recevoir nos SMS, acceptez d’être contacté par SMS."))
        if channel in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS} and not data.get("consent_email"):
            self.add_error("consent_email", _("Pour recevoir nos courriels, acceptez d’être contacté par courriel."))
        return data


class ClaimForm(forms.Form):
    references = forms.MultipleChoiceField(
        label=_("Demandes à rattacher à mon compte"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["references"]).choices = choices


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("J’ai compris : mon compte et mes données personnelles seront supprimés définitivement.")
    )
    password = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():  # signed up through FranceConnect or another provider
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="wrong_password")
        return password


class PhoneCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code reçu par SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Le code comporte 6 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 8}),
    )
