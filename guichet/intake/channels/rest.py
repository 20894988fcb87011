"""REST API (``/api/v1/``): an agent's software or a partner's creates a ticket for any channel.

Answers arrive as JSON keyed by field code and, in a multipart body, files keyed by the code of
their file field. Both are validated by the same form as the online one (``catalogue.forms.RequestForm``,
which checks files by content); the citizen is found or created as on the web form.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.api.models import ApiKey
from guichet.catalogue.forms import FIELD_PREFIX, RequestForm
from guichet.catalogue.models import FieldKind, RequestType
from guichet.citizens.models import Citizen
from guichet.citizens.services import FROM_CITIZEN, NOT_ASKED, citizen_for_submission
from guichet.places.geocoding import place_from_form
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create

ADDRESS_PARTS = ("street", "postcode", "city")


def _form_data(request_type: RequestType, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The form's POST-like data for JSON answers, and the errors of values of the wrong shape."""
    kinds = {field.code: field.kind for field in request_type.fields.all()}
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for code, value in answers.items():
        kind = kinds.get(code)
        name = FIELD_PREFIX + code
        if kind is None:
            errors[code] = [_("Cette démarche n'a pas de champ « %(code)s ».") % {"code": code}]
        elif value is None:
            continue
        elif kind == FieldKind.FILE:
            errors[code] = [
                _("Envoyez ce fichier en multipart/form-data, dans la partie « file[%(code)s] ».") % {"code": code}
            ]
        elif kind == FieldKind.ADDRESS:
            if not isinstance(value, dict) or not all(isinstance(value.get(p, ""), str) for p in ADDRESS_PARTS):
                errors[code] = [_("Adresse attendue : {street, postcode, city}.")]
            else:
                data.update({f"{name}_{i}": value.get(part, "") for i, part in enumerate(ADDRESS_PARTS)})
        elif kind == FieldKind.MULTIPLE_CHOICE:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                errors[code] = [_("Liste de choix attendue.")]
            else:
                data[name] = items
        elif isinstance(value, dict | list) or isinstance(value, bool):
            errors[code] = [_("Valeur simple attendue (texte ou nombre).")]
        else:
            data[name] = str(value)
    return data, errors


def validated_answers_form(
    *, request_type: RequestType, answers: dict[str, Any], files: dict[str, UploadedFile] | None = None
) -> RequestForm:
    """The bound, valid form; otherwise a ValidationError keyed ``answers.<code>``, or ``file[<code>]``
    for a file field when the files came in a multipart body (``files`` maps field codes to uploads)."""
    data, errors = _form_data(request_type, answers)
    # As for agents at the counter (member_required=False): the caller may have no account, hence no household.
    form = RequestForm(
        data,
        {FIELD_PREFIX + code: upload for code, upload in (files or {}).items()},
        request_type=request_type,
        member_required=False,
    )
    if not form.is_valid():
        for name, messages in form.errors.items():
            errors.setdefault(name.removeprefix(FIELD_PREFIX), []).extend(str(message) for message in messages)
    if errors:
        file_codes = (
            {field.code for field in form.type_fields if field.kind == FieldKind.FILE} if files is not None else set()
        )
        raise ValidationError(
            {
                f"file[{code}]" if code in file_codes else f"answers.{code}": messages
                for code, messages in errors.items()
            }
        )
    return form


def _citizen(values: dict[str, Any] | None) -> Citizen | None:
    """The known record (``public_id``) as it is, else the same person's or a new one, as on the web form;
    without ``preferred_channel`` a known citizen keeps their preferences."""
    if not values:
        return None
    if "existing" in values:
        return values["existing"]
    try:
        return citizen_for_submission(
            rules=FROM_CITIZEN,
            first_name=values.get("first_name", ""),
            last_name=values["last_name"],
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            chosen_channel=values.get("preferred_channel", NOT_ASKED),
        )
    except ValidationError as error:
        raise ValidationError({f"citizen.{name}": messages for name, messages in error.message_dict.items()}) from None


def rest_submit(
    *,
    request_type: RequestType,
    answers: dict[str, Any],
    citizen: dict[str, Any] | None,
    channel: str,
    agent: User,
    api_key: ApiKey | None = None,
    subject: str = "",
    acknowledge: bool = True,
    submission_key: uuid.UUID | None = None,
    files: dict[str, UploadedFile] | None = None,
    location: dict[str, Any] | None = None,
) -> tuple[Ticket, bool]:
    """One transaction: the citizen record (found or new) and the ticket, entered by ``agent``,
    with the files of its file fields (``files``: field code → upload, from a multipart body).

    Returns the ticket and whether it is new (False: the ``submission_key`` was already used).
    """
    if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
        return existing, False
    form = validated_answers_form(request_type=request_type, answers=answers, files=files)
    # Looked up before the transaction: no network call holds it open.
    place = (
        place_from_form(address=location["address"], latitude=location["lat"], longitude=location["lon"])
        if location
        else None
    )
    started = timezone.now()
    with transaction.atomic():
        found = _citizen(citizen)
        ticket = ticket_create(
            request_type=request_type,
            citizen=found,
            channel=channel,
            answers=form.answers(),
            uploads=form.uploads(),
            entered_by=agent,
            api_key=api_key,
            subject=subject,
            acknowledge=acknowledge and found is not None,
            submission_key=submission_key,
            place=place,
        )
    return ticket, ticket.created_at >= started
