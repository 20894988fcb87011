"""The online form: a visitor, no account needed, fills a request type's form.

Signed in, the request is the account's: it goes on the account's citizen record, whose contact
details the form was prefilled with (changes made in the form are kept there, except the account's
verified email). Choosing how to be answered is the consent to it (``citizens.services.citizen_from_contact``).
"""

import uuid

from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizen_from_contact
from guichet.intake.forms import ContactForm
from guichet.places.place import Place
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create


def web_submit(
    *,
    request_form: RequestForm,
    contact_form: ContactForm,
    submission_key: uuid.UUID | None,
    account_citizen: Citizen | None = None,
    place: Place | None = None,
    photos_public_consent: bool = False,
) -> Ticket:
    # No transaction here: the ticket's own (not a savepoint in this one) finds or makes the citizen's record,
    # and a replayed key rolls it all back: the first submission stands as it was sent, nothing of this one is
    # kept (``ticket.replayed``).
    return ticket_create(
        request_type=request_form.request_type,
        citizen=None,
        citizen_for=lambda: citizen_from_contact(contact_form.cleaned_data, citizen=account_citizen),
        channel=Channel.WEB,
        answers=request_form.answers(),
        uploads=request_form.uploads(),
        submission_key=submission_key,
        household_member=request_form.household_member,
        place=place,
        photos_public_consent=photos_public_consent,
    )
