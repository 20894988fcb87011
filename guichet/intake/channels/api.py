"""Partner software (Open311 today): a request submitted with an API key, on behalf of a citizen or not.

The ticket records channel ``api`` and the key. The citizen's record is found or created when a
contact was given (``citizens.services.citizen_for_submission``), and the usual acknowledgement goes
to it: by email if there is an address, else by SMS to a mobile number. Without a contact there is
no citizen and nobody to acknowledge.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from guichet.api.models import ApiKey
from guichet.catalogue.forms import RequestForm
from guichet.citizens.services import FROM_CITIZEN, citizen_for_submission
from guichet.lib.uploads import CheckedUpload
from guichet.places.place import Place
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create


@dataclass(frozen=True)
class ApiContact:
    """Who the partner says is asking; every part may be empty. ``phone`` is already in E.164."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""


def open311_submit(
    *,
    request_form: RequestForm,
    api_key: ApiKey,
    contact: ApiContact,
    extra_answers: Sequence[dict[str, Any]] = (),
    uploads: Sequence[tuple[str, CheckedUpload]] = (),
    place: Place | None = None,
) -> Ticket:
    """One transaction: the citizen (found, created or none), then the ticket and its acknowledgement."""
    with transaction.atomic():
        # Open311 never asks how to answer: a known citizen keeps their preferences, a new one is
        # answered the way the contact allows; a name alone is recorded with no consent at all.
        citizen = citizen_for_submission(
            rules=FROM_CITIZEN,
            first_name=contact.first_name,
            last_name=contact.last_name,
            email=contact.email,
            phone=contact.phone,
        )
        return ticket_create(
            request_type=request_form.request_type,
            citizen=citizen,
            channel=Channel.API,
            answers=[*request_form.answers(), *extra_answers],
            uploads=[*request_form.uploads(), *uploads],
            api_key=api_key,
            acknowledge=citizen is not None,
            place=place,
        )
