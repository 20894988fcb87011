import datetime
import decimal
import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from guichet.catalogue.forms import RequestForm
from guichet.catalogue.models import FieldKind, RequestType
from guichet.lib.uploads import CheckedUpload
from tests import factories

pytestmark = pytest.mark.django_db

REQUIRED = "Ce champ est obligatoire."
INCOMPLETE_ADDRESS = "Indiquez la voie, le code postal et la commune."
BAD_POSTCODE = "Le code postal doit comporter 5 chiffres."
BAD_PHONE = "Ce numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78 ou +33 6 12 34 56 78."


def request_type_with(*fields: dict) -> RequestType:
    request_type = factories.RequestTypeFactory()
    for order, attrs in enumerate(fields):
        factories.FieldFactory(request_type=request_type, **{"order": order, **attrs})
    return request_type


def one_field(kind: str, *, code: str = "champ", required: bool = True, **attrs) -> RequestType:
    return request_type_with({"code": code, "label": f"Libellé {code}", "kind": kind, "required": required, **attrs})


def submit(request_type: RequestType, data: dict | None = None, files: dict | None = None, **kwargs) -> RequestForm:
    form = RequestForm(data or {}, files or {}, request_type=request_type, **kwargs)
    with translation.override("fr"):
        form.is_valid()
    return form


def errors_fr(form: RequestForm) -> dict[str, list[str]]:
    with translation.override("fr"):
        return {name: list(messages) for name, messages in form.errors.items()}


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def exe_upload(name: str) -> SimpleUploadedFile:
    exe = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 0x80) + b"\x00" * (0x80 - 64) + b"PE\x00\x00" + b"\x00" * 400
    return SimpleUploadedFile(name, exe, content_type="image/jpeg")


# Building the form ----------------------------------------------------------------------------


def test_form_has_one_prefixed_field_per_configured_field_in_order():
    request_type = request_type_with(
        {"code": "nom", "label": "Nom", "order": 2},
        {"code": "date", "label": "Date", "kind": FieldKind.DATE, "order": 1},
    )
    form = RequestForm(request_type=request_type)
    assert list(form.fields) == ["f_date", "f_nom"]
    assert form.fields["f_nom"].label == "Nom"


def test_form_field_carries_help_text_and_required_flag():
    request_type = one_field(FieldKind.SHORT_TEXT, required=False, help_text="Tel qu'inscrit sur le courrier.")
    field = RequestForm(request_type=request_type).fields["f_champ"]
    assert field.help_text == "Tel qu'inscrit sur le courrier."
    assert field.required is False


def test_every_field_kind_builds_a_form_field():
    request_type = request_type_with(*({"code": kind.value, "kind": kind} for kind in FieldKind))
    assert len(RequestForm(request_type=request_type).fields) == len(FieldKind)


def test_unknown_field_kind_is_a_configuration_error():
    request_type = one_field("signature")
    with pytest.raises(ValueError, match="signature"):
        RequestForm(request_type=request_type)


def test_fields_of_another_request_type_are_not_included():
    request_type = one_field(FieldKind.SHORT_TEXT, code="mien")
    one_field(FieldKind.SHORT_TEXT, code="autre")
    assert list(RequestForm(request_type=request_type).fields) == ["f_mien"]


# Short and long text --------------------------------------------------------------------------


def test_short_text_is_trimmed_and_kept():
    form = submit(one_field(FieldKind.SHORT_TEXT), {"f_champ": "  Rue de la Paix  "})
    assert form.cleaned_data["f_champ"] == "Rue de la Paix"


def test_short_text_accepts_200_characters_and_refuses_201():
    request_type = one_field(FieldKind.SHORT_TEXT)
    assert submit(request_type, {"f_champ": "a" * 200}).is_valid()
    form = submit(request_type, {"f_champ": "a" * 201})
    assert errors_fr(form) == {
        "f_champ": ["Assurez-vous que cette valeur comporte au plus 200 caractères (actuellement 201)."]
    }


def test_long_text_accepts_5000_characters_and_refuses_5001():
    request_type = one_field(FieldKind.LONG_TEXT)
    text = "Le trottoir est défoncé. " * 200
    assert len(text) == 5000
    assert submit(request_type, {"f_champ": text}).cleaned_data["f_champ"] == text.strip()
    form = submit(request_type, {"f_champ": text + "!"})
    assert errors_fr(form) == {
        "f_champ": ["Assurez-vous que cette valeur comporte au plus 5000 caractères (actuellement 5001)."]
    }


def test_long_text_is_a_textarea():
    assert "<textarea" in str(RequestForm(request_type=one_field(FieldKind.LONG_TEXT))["f_champ"])


# Number ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2,5", "2.5"), ("3", "3"), ("2.5", "2.5"), ("-4,25", "-4.25"), ("1234567890,12", "1234567890.12")],
)
def test_number_accepts_french_decimal_comma(typed, expected):
    form = submit(one_field(FieldKind.NUMBER), {"f_champ": typed})
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == decimal.Decimal(expected)


def test_number_refuses_text_in_french():
    form = submit(one_field(FieldKind.NUMBER), {"f_champ": "abc"})
    assert errors_fr(form) == {"f_champ": ["Saisissez un nombre."]}


def test_number_refuses_more_than_two_decimals_in_french():
    form = submit(one_field(FieldKind.NUMBER), {"f_champ": "2,555"})
    assert errors_fr(form) == {"f_champ": ["Assurez-vous qu’il n’y a pas plus de 2 chiffres après la virgule."]}


@pytest.mark.parametrize(("typed", "stored"), [("2,50", "2.5"), ("100", "100"), ("0", "0"), ("1200,00", "1200")])
def test_number_answer_is_a_plain_decimal_string(typed, stored):
    form = submit(one_field(FieldKind.NUMBER), {"f_champ": typed})
    assert form.answers()[0]["value"] == stored


# Date -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-03-15", "15/03/2026"])
def test_date_accepts_browser_and_french_formats(typed):
    form = submit(one_field(FieldKind.DATE), {"f_champ": typed})
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == datetime.date(2026, 3, 15)


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-30", "03/15/2026", "demain"])
def test_date_refuses_impossible_or_foreign_dates_in_french(typed):
    form = submit(one_field(FieldKind.DATE), {"f_champ": typed})
    assert errors_fr(form) == {"f_champ": ["Saisissez une date valide."]}


def test_date_answer_is_iso():
    form = submit(one_field(FieldKind.DATE), {"f_champ": "15/03/2026"})
    assert form.answers()[0]["value"] == "2026-03-15"


def test_date_widget_renders_in_browser_date_format():
    request_type = one_field(FieldKind.DATE)
    html = str(RequestForm(request_type=request_type, initial={"f_champ": datetime.date(2026, 3, 15)})["f_champ"])
    assert 'type="date"' in html
    assert 'value="2026-03-15"' in html


# Choices --------------------------------------------------------------------------------------


def choice_field(kind: str, **attrs) -> RequestType:
    return one_field(kind, choices="Matin\n  Après-midi  \n\nSoir\n", **attrs)


def test_choice_accepts_a_listed_value():
    form = submit(choice_field(FieldKind.CHOICE), {"f_champ": "Après-midi"})
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == "Après-midi"


def test_choice_offers_the_non_blank_lines_as_radio_buttons():
    field = RequestForm(request_type=choice_field(FieldKind.CHOICE)).fields["f_champ"]
    assert [value for value, _label in field.choices] == ["Matin", "Après-midi", "Soir"]
    assert 'type="radio"' in str(RequestForm(request_type=choice_field(FieldKind.CHOICE, code="x"))["f_x"])


@pytest.mark.parametrize("typed", ["Nuit", "matin", ""])
def test_choice_refuses_a_value_not_in_the_list(typed):
    form = submit(choice_field(FieldKind.CHOICE), {"f_champ": typed})
    expected = REQUIRED if typed == "" else f"Sélectionnez un choix valide. {typed} n’en fait pas partie."
    assert errors_fr(form) == {"f_champ": [expected]}


def test_multiple_choice_keeps_the_list():
    request_type = choice_field(FieldKind.MULTIPLE_CHOICE)
    form = submit(request_type, {"f_champ": ["Matin", "Soir"]})
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == ["Matin", "Soir"]
    assert form.answers()[0]["value"] == ["Matin", "Soir"]


def test_multiple_choice_refuses_any_value_not_in_the_list():
    form = submit(choice_field(FieldKind.MULTIPLE_CHOICE), {"f_champ": ["Matin", "Minuit"]})
    assert errors_fr(form) == {"f_champ": ["Sélectionnez un choix valide. Minuit n’en fait pas partie."]}


def test_multiple_choice_is_a_set_of_checkboxes():
    html = str(RequestForm(request_type=choice_field(FieldKind.MULTIPLE_CHOICE))["f_champ"])
    assert html.count('type="checkbox"') == 3


# Email and phone ------------------------------------------------------------------------------


def test_email_is_accepted():
    form = submit(one_field(FieldKind.EMAIL), {"f_champ": "helene.lefevre@example.org"})
    assert form.cleaned_data["f_champ"] == "helene.lefevre@example.org"


@pytest.mark.parametrize("typed", ["pas-un-email", "helene@", "@example.org", "helene lefevre@example.org"])
def test_email_refuses_malformed_addresses_in_french(typed):
    form = submit(one_field(FieldKind.EMAIL), {"f_champ": typed})
    assert errors_fr(form) == {"f_champ": ["Saisissez une adresse de courriel valide."]}


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678"])
def test_phone_is_normalised_to_e164(typed):
    form = submit(one_field(FieldKind.PHONE), {"f_champ": typed})
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == "+33612345678"
    assert form.answers()[0]["value"] == "+33612345678"


@pytest.mark.parametrize("typed", ["bonjour", "06 12 34", "12"])
def test_phone_refuses_garbage_in_french(typed):
    form = submit(one_field(FieldKind.PHONE), {"f_champ": typed})
    assert errors_fr(form) == {"f_champ": [BAD_PHONE]}


def test_phone_is_a_tel_input():
    assert 'type="tel"' in str(RequestForm(request_type=one_field(FieldKind.PHONE))["f_champ"])


# Address --------------------------------------------------------------------------------------


def address(street: str, postcode: str, city: str, code: str = "champ") -> dict[str, str]:
    return {f"f_{code}_0": street, f"f_{code}_1": postcode, f"f_{code}_2": city}


def test_address_is_a_dict_of_street_postcode_and_city():
    form = submit(one_field(FieldKind.ADDRESS), address(" 12 rue des Lilas ", "69003", " Lyon "))
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] == {"street": "12 rue des Lilas", "postcode": "69003", "city": "Lyon"}
    assert form.answers()[0]["value"] == {"street": "12 rue des Lilas", "postcode": "69003", "city": "Lyon"}


@pytest.mark.parametrize("postcode", ["6900", "69OO3", "ABCDE", "6900a"])
def test_address_postcode_must_be_five_digits(postcode):
    form = submit(one_field(FieldKind.ADDRESS), address("12 rue des Lilas", postcode, "Lyon"))
    assert errors_fr(form) == {"f_champ": [BAD_POSTCODE]}


@pytest.mark.parametrize("postcode", ["690031", "69 003"])
def test_address_postcode_over_five_characters_is_refused(postcode):
    form = submit(one_field(FieldKind.ADDRESS), address("12 rue des Lilas", postcode, "Lyon"))
    assert BAD_POSTCODE in errors_fr(form)["f_champ"]


def test_required_address_left_empty_is_refused():
    form = submit(one_field(FieldKind.ADDRESS), address("", "", ""))
    assert errors_fr(form) == {"f_champ": [REQUIRED]}


@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize(
    "parts", [("12 rue des Lilas", "", ""), ("12 rue des Lilas", "", "Lyon"), ("", "69003", "Lyon")]
)
def test_half_filled_address_asks_for_all_three_parts(required, parts):
    form = submit(one_field(FieldKind.ADDRESS, required=required), address(*parts))
    assert errors_fr(form) == {"f_champ": [INCOMPLETE_ADDRESS]}


def test_optional_address_left_empty_is_none_and_not_in_answers():
    form = submit(one_field(FieldKind.ADDRESS, required=False), address("", "", ""))
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_champ"] is None
    assert form.answers() == []


def test_address_renders_three_inputs():
    html = str(RequestForm(request_type=one_field(FieldKind.ADDRESS))["f_champ"])
    for name in ("f_champ_0", "f_champ_1", "f_champ_2"):
        assert f'name="{name}"' in html


# File -----------------------------------------------------------------------------------------


def test_file_is_checked_by_content():
    form = submit(one_field(FieldKind.FILE, code="photo"), files={"f_photo": png_upload()})
    assert errors_fr(form) == {}
    checked = form.cleaned_data["f_photo"]
    assert isinstance(checked, CheckedUpload)
    assert checked.content_type == "image/png"


def test_file_of_a_refused_type_is_refused_with_its_name_in_french():
    form = submit(one_field(FieldKind.FILE, code="photo"), files={"f_photo": exe_upload("photo.jpg")})
    assert errors_fr(form) == {
        "f_photo": ["Le fichier « photo.jpg » n'est pas d'un type accepté (HEIC, JPEG, PDF, PNG, WebP)."]
    }


def test_required_file_missing_is_refused():
    form = submit(one_field(FieldKind.FILE, code="photo"))
    assert errors_fr(form) == {"f_photo": [REQUIRED]}


def test_optional_file_missing_is_none():
    form = submit(one_field(FieldKind.FILE, code="photo", required=False))
    assert errors_fr(form) == {}
    assert form.cleaned_data["f_photo"] is None
    assert form.uploads() == []


# Required and optional ------------------------------------------------------------------------

EMPTY = {
    FieldKind.SHORT_TEXT: {"f_champ": ""},
    FieldKind.LONG_TEXT: {"f_champ": "   "},
    FieldKind.NUMBER: {"f_champ": ""},
    FieldKind.DATE: {"f_champ": ""},
    FieldKind.CHOICE: {},
    FieldKind.MULTIPLE_CHOICE: {},
    FieldKind.EMAIL: {"f_champ": ""},
    FieldKind.PHONE: {"f_champ": " "},
    FieldKind.ADDRESS: {"f_champ_0": "", "f_champ_1": "", "f_champ_2": ""},
    FieldKind.FILE: {},
}


def test_empty_cases_cover_every_kind():
    assert set(EMPTY) == set(FieldKind)


@pytest.mark.parametrize("kind", list(FieldKind))
def test_required_field_left_empty_is_refused_in_french(kind):
    form = submit(one_field(kind, choices="Oui\nNon"), EMPTY[kind])
    assert errors_fr(form) == {"f_champ": [REQUIRED]}


@pytest.mark.parametrize("kind", list(FieldKind))
def test_optional_field_left_empty_is_valid_and_left_out_of_answers(kind):
    form = submit(one_field(kind, required=False, choices="Oui\nNon"), EMPTY[kind])
    assert errors_fr(form) == {}
    assert form.answers() == []


# Answers, uploads, files to send again --------------------------------------------------------


@pytest.fixture
def full_request_type() -> RequestType:
    return request_type_with(
        {"code": "objet", "label": "Objet", "kind": FieldKind.SHORT_TEXT},
        {"code": "montant", "label": "Montant", "kind": FieldKind.NUMBER, "required": False},
        {"code": "le", "label": "Date souhaitée", "kind": FieldKind.DATE},
        {"code": "creneau", "label": "Créneau", "kind": FieldKind.CHOICE, "choices": "Matin\nSoir"},
        {"code": "rappel", "label": "Téléphone", "kind": FieldKind.PHONE, "required": False},
        {"code": "lieu", "label": "Adresse", "kind": FieldKind.ADDRESS},
        {"code": "justificatif", "label": "Justificatif", "kind": FieldKind.FILE, "required": False},
        {"code": "photo", "label": "Photo", "kind": FieldKind.FILE, "required": False},
    )


def full_data(**overrides) -> dict:
    data = {
        "f_objet": "Mariage",
        "f_montant": "12,50",
        "f_le": "15/03/2026",
        "f_creneau": "Soir",
        "f_rappel": "",
        **address("1 place de la Mairie", "57000", "Metz", code="lieu"),
    }
    return {**data, **overrides}


def test_answers_are_a_snapshot_in_field_order_without_empty_optional_ones(full_request_type):
    form = submit(full_request_type, full_data(), {"f_photo": png_upload("trou.png")})
    assert errors_fr(form) == {}
    assert form.answers() == [
        {"code": "objet", "label": "Objet", "kind": "short_text", "value": "Mariage"},
        {"code": "montant", "label": "Montant", "kind": "number", "value": "12.5"},
        {"code": "le", "label": "Date souhaitée", "kind": "date", "value": "2026-03-15"},
        {"code": "creneau", "label": "Créneau", "kind": "choice", "value": "Soir"},
        {
            "code": "lieu",
            "label": "Adresse",
            "kind": "address",
            "value": {"street": "1 place de la Mairie", "postcode": "57000", "city": "Metz"},
        },
        {"code": "photo", "label": "Photo", "kind": "file", "value": "trou.png"},
    ]


def test_answers_keep_the_label_of_the_moment(full_request_type):
    form = submit(full_request_type, full_data())
    answers = form.answers()
    full_request_type.fields.filter(code="objet").update(label="Nouvel intitulé")
    assert answers[0]["label"] == "Objet"
    assert submit(full_request_type, full_data()).answers()[0]["label"] == "Nouvel intitulé"


def test_numeric_zero_is_an_answer_not_an_empty_field(full_request_type):
    form = submit(full_request_type, full_data(f_montant="0"))
    assert {"code": "montant", "label": "Montant", "kind": "number", "value": "0"} in form.answers()


def test_uploads_pair_each_file_with_its_field_code(full_request_type):
    form = submit(
        full_request_type,
        full_data(),
        {"f_justificatif": png_upload("facture.png"), "f_photo": png_upload("trou.png")},
    )
    assert errors_fr(form) == {}
    uploads = form.uploads()
    assert [(code, checked.name) for code, checked in uploads] == [
        ("justificatif", "facture.png"),
        ("photo", "trou.png"),
    ]
    assert all(isinstance(checked, CheckedUpload) for _code, checked in uploads)


def test_no_uploads_when_no_file_was_chosen(full_request_type):
    form = submit(full_request_type, full_data())
    assert errors_fr(form) == {}
    assert form.uploads() == []


def test_files_to_send_again_lists_chosen_files_when_the_form_is_refused(full_request_type):
    form = submit(full_request_type, full_data(f_objet=""), {"f_photo": png_upload()})
    assert errors_fr(form) == {"f_objet": [REQUIRED]}
    assert form.file_fields_to_send_again() == ["Photo"]


def test_files_to_send_again_respects_the_form_prefix(full_request_type):
    data = {f"demande-{name}": value for name, value in full_data(f_objet="").items()}
    files = {"demande-f_justificatif": png_upload(), "demande-f_photo": png_upload()}
    form = submit(full_request_type, data, files, prefix="demande")
    assert not form.is_valid()
    assert form.file_fields_to_send_again() == ["Justificatif", "Photo"]


def test_no_files_to_send_again_when_none_was_chosen(full_request_type):
    form = submit(full_request_type, full_data(f_objet=""))
    assert form.file_fields_to_send_again() == []
