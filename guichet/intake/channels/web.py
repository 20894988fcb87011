"""The online form: a visitor, no account needed, fills a request type's form.

Signed in, the request is the account's: it goes on the account's citizen record, whose contact
details the form was prefilled with (changes made in the form are kept there).
"""

import uuid

from django.db import transaction

from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_find_or_create, citizen_update
from guichet.intake.forms import ContactForm
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create


def web_submit(
    *,
    request_form: RequestForm,
    contact_form: ContactForm,
    submission_key: uuid.UUID | None,
    account_citizen: Citizen | None = None,
) -> Ticket:
    contact = contact_form.cleaned_data
    with transaction.atomic():
        if account_citizen is not None:
            citizen = _update_account_citizen(account_citizen, contact)
        else:
            citizen = citizen_find_or_create(
                first_name=contact["first_name"],
                last_name=contact["last_name"],
                email=contact.get("email") or "",
                phone=contact.get("phone") or "",
                preferred_channel=contact["ack_channel"],
            )
        return ticket_create(
            request_type=request_form.request_type,
            citizen=citizen,
            channel=Channel.WEB,
            answers=request_form.answers(),
            uploads=request_form.uploads(),
            submission_key=submission_key,
            household_member=request_form.household_member,
        )


def _update_account_citizen(citizen: Citizen, contact: dict) -> Citizen:
    """The email stays the account's (verified); name, phone and channel follow what was typed."""
    changes = {name: contact[name] for name in ("first_name", "last_name") if contact.get(name)}
    if contact.get("phone"):
        changes["phone"] = contact["phone"]
    changes["preferred_channel"] = contact["ack_channel"]
    if contact["ack_channel"] in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS}:
        changes["consent_sms"] = True
    if contact["ack_channel"] in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS}:
        changes["consent_email"] = True
    return citizen_update(citizen=citizen, **changes)
