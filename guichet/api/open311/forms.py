"""POST requests: the spec's own parameters, and ``attribute[CODE]`` mapped onto the request type's form.

The request type's fields are validated by the very form the portal uses (``catalogue.forms.RequestForm``),
so a partner cannot file what the web form would refuse. Open311's location, description and media
land in the type's own fields when it has matching ones (an address field, a ``description`` field,
a file field); the rest is kept as extra answers that agents read with the others.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.catalogue.forms import FIELD_PREFIX, PhoneField, RequestForm
from guichet.catalogue.models import Field, FieldKind, RequestType
from guichet.intake.channels.api import ApiContact
from guichet.lib import dates
from guichet.lib.uploads import CheckedUpload, MultipleAttachmentField
from guichet.places.geocoding import place_from_form
from guichet.places.place import Place

DESCRIPTION_MAX = 4000
# Answers made from Open311 parameters carry this marker; only the location ones are ever published.
SOURCE = "open311"
PUBLIC_LOCATION_CODES = ("open311_address", "open311_address_id", "open311_lat", "open311_long")
_POSTCODE_LINE = re.compile(r"^(?P<street>.+?)[\s,]+(?P<postcode>\d{5})\s+(?P<city>\S.*)$")


class ServiceRequestForm(forms.Form):
    service_code = forms.CharField(max_length=80)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False)
    long = forms.FloatField(min_value=-180, max_value=180, required=False)
    address_string = forms.CharField(max_length=300, required=False)
    address_id = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(required=False)
    phone = PhoneField(required=False)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    device_id = forms.CharField(max_length=100, required=False)
    account_id = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=DESCRIPTION_MAX, required=False)
    media_url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    media = MultipleAttachmentField()  # type: ignore[assignment]  # a declared field, not BaseForm.media

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        if strip_tags(description) != description:
            raise forms.ValidationError(gettext_lazy("Le HTML n'est pas accepté : envoyez du texte brut."))
        return description

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        has_lat, has_long = data.get("lat") is not None, data.get("long") is not None
        if has_lat != has_long and "lat" not in self.errors and "long" not in self.errors:
            raise forms.ValidationError(_("Envoyez lat et long ensemble."), code="half_position")
        if not (has_lat and has_long) and not data.get("address_string") and not data.get("address_id"):
            if "lat" not in self.errors and "long" not in self.errors:
                raise forms.ValidationError(
                    _("Indiquez le lieu : lat et long, address_string ou address_id."), code="no_location"
                )
        return data

    @property
    def contact(self) -> ApiContact:
        data = self.cleaned_data
        return ApiContact(
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"], phone=data["phone"]
        )


@dataclass
class Submission:
    """Both forms, ready for ``intake.channels.api.open311_submit`` once ``errors`` is empty."""

    request_type: RequestType
    params: ServiceRequestForm
    request_form: RequestForm
    file_fields: list[Field]
    errors: list[str] = field(default_factory=list)

    def place(self) -> Place | None:
        """Open311's location on the ticket's own columns: the point as sent; an address alone is looked up in
        the BAN (found: its position and INSEE code; not found: kept and flagged for the agents)."""
        data = self.params.cleaned_data
        return place_from_form(
            address=data.get("address_string") or "", latitude=data.get("lat"), longitude=data.get("long")
        )

    def uploads(self) -> list[tuple[str, CheckedUpload]]:
        """The n-th file goes to the type's n-th file field, the others are plain attachments."""
        media = self.params.cleaned_data.get("media") or []
        codes = [f.code for f in self.file_fields]
        return [(codes[i] if i < len(codes) else "media", upload) for i, upload in enumerate(media)]

    def extra_answers(self) -> list[dict[str, Any]]:
        labels = {f.code: f.label for f in self.file_fields}
        files = [
            {"code": code, "label": labels[code], "kind": FieldKind.FILE, "value": upload.name}
            for code, upload in self.uploads()
            if code in labels
        ]
        return files + _extra_answers(self)


def read_submission(data: QueryDict, files: Any, request_type: RequestType) -> Submission:
    params = ServiceRequestForm(data, _media_files(files))
    params.is_valid()
    cleaned = params.cleaned_data
    fields = list(request_type.fields.all())
    attributes = _attribute_data(
        data, fields, description=cleaned.get("description", ""), address=cleaned.get("address_string", "")
    )
    request_form = RequestForm(attributes, request_type=request_type)
    # Open311 sends files as "media", checked by content there; the type's file fields are filled from it.
    file_fields = [f for f in fields if f.kind == FieldKind.FILE]
    for file_field in file_fields:
        del request_form.fields[FIELD_PREFIX + file_field.code]
    request_form.type_fields = [f for f in fields if f.kind != FieldKind.FILE]
    submission = Submission(
        request_type=request_type, params=params, request_form=request_form, file_fields=file_fields
    )
    submission.errors = _errors(params, request_form) + _date_errors(data, fields)
    sent = len(cleaned.get("media") or [])
    missing = [f.label for position, f in enumerate(file_fields) if f.required and position >= sent]
    if missing and "media" not in params.errors:
        submission.errors.append(_("media : pièce jointe obligatoire (%(labels)s).") % {"labels": ", ".join(missing)})
    return submission


def _media_files(files: Any) -> Any:
    uploads = [*files.getlist("media"), *files.getlist("media[]")]
    return {"media": uploads} if uploads else {}


def _attribute_values(data: Any, code: str) -> list[str]:
    values = [*data.getlist(f"attribute[{code}][]"), *data.getlist(f"attribute[{code}]")]
    return [value for value in values if value.strip()]  # an empty parameter counts as absent


def _attribute_data(data: QueryDict, fields: list[Field], *, description: str, address: str) -> QueryDict:
    mapped = QueryDict(mutable=True)
    for type_field in fields:
        name = FIELD_PREFIX + type_field.code
        values = _attribute_values(data, type_field.code)
        if type_field.kind == FieldKind.MULTIPLE_CHOICE:
            mapped.setlist(name, values)
        elif type_field.kind == FieldKind.ADDRESS:
            street, postcode, city = _split_address(values[0] if values else address)
            mapped.update({f"{name}_0": street, f"{name}_1": postcode, f"{name}_2": city})
        elif type_field.kind == FieldKind.DATE and values:
            mapped[name] = _as_date(values[0])
        elif values:
            mapped[name] = values[0]
        elif type_field.code == "description" and description:
            mapped[name] = description
    return mapped


def _split_address(text: str) -> tuple[str, str, str]:
    """``12 rue de la Paix, 75002 Paris`` into its three parts; what does not parse stays in the street."""
    text = " ".join(text.split())
    match = _POSTCODE_LINE.match(text)
    if match is None:
        return text, "", ""
    return match["street"].rstrip(", "), match["postcode"], match["city"]


def _as_date(value: str) -> str:
    """Open311's datetime attributes are ISO 8601 datetimes; the form's date field wants the (local) day."""
    try:
        moment = dates.parse_moment(value, default_tz=None)
    except dates.InvalidDate:
        return value  # the form refuses it with its own message
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.date().isoformat()


def _date_errors(data: QueryDict, fields: list[Field]) -> list[str]:
    """A date the web form would take but no calendar can use (year 1, year 9999) is refused."""
    errors = []
    for type_field in fields:
        values = _attribute_values(data, type_field.code) if type_field.kind == FieldKind.DATE else []
        if values and _out_of_range(values[0]):
            errors.append(f"attribute[{type_field.code}] : {dates.out_of_range_message()}")
    return errors


def _out_of_range(value: str) -> bool:
    try:
        dates.parse_moment(value, default_tz=None)
    except dates.DateOutOfRange:
        return True
    except dates.InvalidDate:
        return False  # not a date at all: the form says so
    return False


def _errors(params: ServiceRequestForm, request_form: RequestForm) -> list[str]:
    errors: list[str] = []
    for name, messages in params.errors.items():
        for message in messages:
            errors.append(str(message) if name == "__all__" else f"{name} : {message}")
    if request_form.is_valid():
        return errors
    for name, messages in request_form.errors.items():
        code = name.removeprefix(FIELD_PREFIX)
        for message in messages:
            errors.append(f"attribute[{code}] : {message}")
    return errors


def _extra_answers(submission: Submission) -> list[dict[str, Any]]:
    data = submission.params.cleaned_data
    codes = {f.code for f in submission.request_form.type_fields}
    rows = [
        ("open311_address", _("Lieu signalé"), data["address_string"]),
        ("open311_address_id", _("Identifiant d'adresse"), data["address_id"]),
        ("open311_lat", _("Latitude"), _coordinate(data["lat"])),
        ("open311_long", _("Longitude"), _coordinate(data["long"])),
        ("open311_media_url", _("Lien vers la photo"), data["media_url"]),
        ("open311_device_id", _("Identifiant de l'appareil"), data["device_id"]),
        ("open311_account_id", _("Identifiant du compte dans l'application"), data["account_id"]),
    ]
    if "description" not in codes or _attribute_given(submission, "description"):
        rows.insert(0, ("open311_description", _("Description"), data["description"]))
    kinds = {"open311_description": FieldKind.LONG_TEXT}
    return [
        {"code": code, "label": label, "kind": kinds.get(code, FieldKind.SHORT_TEXT), "value": value, "source": SOURCE}
        for code, label, value in rows
        if value
    ]


def _attribute_given(submission: Submission, code: str) -> bool:
    return bool(_attribute_values(submission.params.data, code))


def _coordinate(value: float | None) -> str:
    return "" if value is None else format(round(value, 7), "f").rstrip("0").rstrip(".")
