"""Phone and counter: a reception agent types the request in for the citizen, in the same catalogue."""

import uuid
from typing import Any

from django.db import transaction

from guichet.accounts.models import User
from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizen_create, citizen_update
from guichet.lib.uploads import CheckedUpload
from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_agent, ticket_create


def agent_submit(
    *,
    request_form: RequestForm,
    citizen: Citizen | None,
    new_citizen: dict[str, Any] | None,
    contact_preferences: dict[str, Any],
    channel: str,
    agent: User,
    note: str = "",
    note_uploads: list[CheckedUpload] | None = None,
    submission_key: uuid.UUID | None = None,
) -> Ticket:
    """One transaction: the citizen record (found or new), the ticket with its channel and entering agent,
    the optional internal note, and the acknowledgement if the citizen asked for one."""
    with transaction.atomic():
        if citizen is None:
            consent = {"consent_email": False, "consent_sms": False, **contact_preferences}
            citizen = citizen_create(**(new_citizen or {}), **consent)
        elif contact_preferences:
            citizen = citizen_update(citizen=citizen, **contact_preferences)
        ticket = ticket_create(
            request_type=request_form.request_type,
            citizen=citizen,
            channel=channel,
            answers=request_form.answers(),
            uploads=request_form.uploads(),
            entered_by=agent,
            submission_key=submission_key,
            acknowledge=bool(contact_preferences),
            household_member=request_form.household_member,
        )
        if note or note_uploads:
            message_post_by_agent(
                ticket=ticket, agent=agent, body=note or "—", internal=True, uploads=note_uploads or []
            )
    return ticket
