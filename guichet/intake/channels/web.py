"""The online form: a visitor, no account needed, fills a request type's form."""

import uuid

from django.db import transaction

from guichet.catalogue.forms import RequestForm
from guichet.citizens.services import citizen_find_or_create
from guichet.intake.forms import ContactForm
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create


def web_submit(*, request_form: RequestForm, contact_form: ContactForm, submission_key: uuid.UUID | None) -> Ticket:
    contact = contact_form.cleaned_data
    with transaction.atomic():
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
        )
