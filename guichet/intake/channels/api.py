"""Partner software (Open311 today): a request submitted with an API key, on behalf of a citizen or not.

The ticket records channel ``api`` and the key. The citizen's record is found or created when a
contact was given, and the usual acknowledgement goes to it: by email if there is an address, else
by SMS to a mobile number. Without a contact there is no citizen and nobody to acknowledge.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from guichet.api.models import ApiKey
from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_create, citizen_find_or_create
from guichet.lib.phones import is_mobile, parse_phone
from guichet.lib.uploads import CheckedUpload
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


def api_submit(
    *,
    request_form: RequestForm,
    api_key: ApiKey,
    contact: ApiContact,
    extra_answers: Sequence[dict[str, Any]] = (),
    uploads: Sequence[tuple[str, CheckedUpload]] = (),
) -> Ticket:
    """One transaction: the citizen (found, created or none), then the ticket and its acknowledgement."""
    with transaction.atomic():
        citizen = _citizen(contact)
        return ticket_create(
            request_type=request_form.request_type,
            citizen=citizen,
            channel=Channel.API,
            answers=[*request_form.answers(), *extra_answers],
            uploads=[*request_form.uploads(), *uploads],
            api_key=api_key,
            acknowledge=citizen is not None,
        )


def _citizen(contact: ApiContact) -> Citizen | None:
    if contact.email or contact.phone:
        return citizen_find_or_create(
            first_name=contact.first_name,
            # A record needs a name; like the email channel, the address stands in for a missing one.
            last_name=(contact.last_name or contact.email or contact.phone)[:100],
            email=contact.email,
            phone=contact.phone,
            preferred_channel=_acknowledgement_channel(contact),
        )
    if contact.last_name:
        # A name alone: agents see who asked, but nobody agreed to be contacted.
        return citizen_create(
            first_name=contact.first_name, last_name=contact.last_name, consent_email=False, consent_sms=False
        )
    return None


def _acknowledgement_channel(contact: ApiContact) -> str:
    if contact.email:
        return ContactChannel.EMAIL
    number = parse_phone(contact.phone)
    return ContactChannel.SMS if number is not None and is_mobile(number) else ContactChannel.EMAIL
