"""Build a request type's form from its configured fields, and read answers back out of it."""

import datetime
import decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import Field, FieldKind, RequestType
from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember
from guichet.lib.phones import parse_phone, to_e164
from guichet.lib.uploads import AttachmentField, CheckedUpload

FIELD_PREFIX = "f_"


class PhoneField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
    default_error_messages = {
        "invalid": _("Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78."),
    }

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if not value:
            return ""
        number = parse_phone(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return to_e164(number)


class AddressWidget(forms.MultiWidget):
    template_name = "widgets/address.html"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            [
                forms.TextInput(attrs={"autocomplete": "street-address"}),
                forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 5}),
                forms.TextInput(attrs={"autocomplete": "address-level2"}),
            ],
            attrs,
        )

    def decompress(self, value: dict | None) -> list[str]:
        value = value or {}
        return [value.get("street", ""), value.get("postcode", ""), value.get("city", "")]


class AddressField(forms.MultiValueField):
    """Street line, five-digit postcode and town, kept as a dict."""

    widget = AddressWidget
    default_error_messages = {"incomplete": _("Indiquez la voie, le code postal et la commune.")}

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.CharField(max_length=200),
            forms.CharField(
                max_length=5,
                validators=[RegexValidator(r"^\d{5}$", _("Le code postal doit comporter 5 chiffres."))],
            ),
            forms.CharField(max_length=100),
        )
        # Each part is required on its own, so a half-filled address gets the "incomplete" message.
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dict[str, str] | None:
        if not data_list:
            return None
        street, postcode, city = (part.strip() for part in data_list)
        return {"street": street, "postcode": postcode, "city": city}


def _form_field(field: Field) -> forms.Field:
    common: dict[str, Any] = {"label": field.label, "help_text": field.help_text, "required": field.required}
    match field.kind:
        case FieldKind.SHORT_TEXT:
            return forms.CharField(max_length=200, **common)
        case FieldKind.LONG_TEXT:
            return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 6}), **common)
        case FieldKind.NUMBER:
            return forms.DecimalField(
                max_digits=12,
                decimal_places=2,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                **common,
            )
        case FieldKind.DATE:
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                **common,
            )
        case FieldKind.CHOICE:
            return forms.ChoiceField(choices=[(c, c) for c in field.choice_list], widget=forms.RadioSelect, **common)
        case FieldKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=[(c, c) for c in field.choice_list], widget=forms.CheckboxSelectMultiple, **common
            )
        case FieldKind.EMAIL:
            return forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common)
        case FieldKind.PHONE:
            return PhoneField(**common)
        case FieldKind.ADDRESS:
            return AddressField(**common)
        case FieldKind.FILE:
            return AttachmentField(**common)
    raise ValueError(f"Unknown field kind {field.kind!r}")


def _serialise(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, CheckedUpload):
        return value.name
    return value


class HouseholdMemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: HouseholdMember) -> str:
        return f"{obj.full_name} ({obj.get_relationship_display().lower()}, {obj.birth_date:%d/%m/%Y})"


class RequestForm(forms.Form):
    """The type's own fields, named ``f_<code>``; for the family space, first the member it is about."""

    def __init__(
        self,
        *args: Any,
        request_type: RequestType,
        citizen: Citizen | None = None,
        member_required: bool = True,
        **kwargs: Any,
    ) -> None:
        """``citizen``: whose household members are offered. Agents typing a phone or counter request
        pass ``member_required=False``: the caller may have no account, hence no registered household."""
        super().__init__(*args, **kwargs)
        self.request_type = request_type
        if request_type.requires_family_member and (member_required or citizen is not None):
            members = (
                HouseholdMember.objects.active().filter(citizen=citizen) if citizen else HouseholdMember.objects.none()
            )
            self.fields["household_member"] = HouseholdMemberChoiceField(
                label=_("Pour quel membre de votre foyer ?"),
                queryset=members,
                to_field_name="public_id",
                required=member_required,
                empty_label=None if member_required else _("Non précisé"),
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choisissez le membre de votre foyer concerné par cette demande."),
                    "invalid_choice": _("Choisissez un membre de votre foyer dans la liste."),
                },
            )
        self.type_fields = list(request_type.fields.all())
        for field in self.type_fields:
            self.fields[FIELD_PREFIX + field.code] = _form_field(field)

    def answers(self) -> list[dict[str, Any]]:
        """A snapshot of labels and values, so later edits of the catalogue never rewrite history."""
        answers = []
        for field in self.type_fields:
            value = self.cleaned_data.get(FIELD_PREFIX + field.code)
            if value in (None, "", []):
                continue
            answers.append({"code": field.code, "label": field.label, "kind": field.kind, "value": _serialise(value)})
        return answers

    @property
    def household_member(self) -> HouseholdMember | None:
        return self.cleaned_data.get("household_member")

    @property
    def has_no_member_to_choose(self) -> bool:
        field = self.fields.get("household_member")
        if not isinstance(field, forms.ModelChoiceField) or not field.required or field.queryset is None:
            return False
        return not field.queryset.exists()

    def uploads(self) -> list[tuple[str, CheckedUpload]]:
        return [
            (field.code, value)
            for field in self.type_fields
            if isinstance(value := self.cleaned_data.get(FIELD_PREFIX + field.code), CheckedUpload)
        ]

    def file_fields_to_send_again(self) -> list[str]:
        """Labels of the files the visitor chose, which a browser cannot keep across a failed submission."""
        return [
            field.label
            for field in self.type_fields
            if field.kind == FieldKind.FILE and self.files.get(self.add_prefix(FIELD_PREFIX + field.code))
        ]
