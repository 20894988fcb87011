"""Phone and counter: a reception agent types the request in for the citizen, in the same catalogue."""

import uuid
from typing import Any

from django.db import transaction

from guichet.accounts.models import User
from guichet.catalogue.forms import RequestForm
from guichet.citizens.models import Citizen
from guichet.citizens.services import DECLINED, FROM_AGENT, citizen_for_submission
from guichet.lib.uploads import CheckedUpload
from guichet.places.place import Place
from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_agent, ticket_create


def agent_submit(
    *,
    request_form: RequestForm,
    citizen: Citizen | None,
    new_citizen: dict[str, Any] | None,
    acknowledgement: str,
    channel: str,
    agent: User,
    note: str = "",
    note_uploads: list[CheckedUpload] | None = None,
    submission_key: uuid.UUID | None = None,
    place: Place | None = None,
) -> Ticket:
    """One transaction: the citizen record (chosen or new), the ticket with its channel and entering agent,
    the optional internal note, and the acknowledgement if the citizen asked for one.

    ``acknowledgement`` is the citizen's answer: a ``ContactChannel``, or ``DECLINED`` (nothing sent).
    """
    with transaction.atomic():
        citizen = citizen_for_submission(
            rules=FROM_AGENT, citizen=citizen, chosen_channel=acknowledgement, **(new_citizen or {})
        )
        ticket = ticket_create(
            request_type=request_form.request_type,
            citizen=citizen,
            channel=channel,
            answers=request_form.answers(),
            uploads=request_form.uploads(),
            entered_by=agent,
            submission_key=submission_key,
            acknowledge=acknowledgement != DECLINED,
            household_member=request_form.household_member,
            place=place,
        )
        if note or note_uploads:
            message_post_by_agent(
                ticket=ticket, agent=agent, body=note or "—", internal=True, uploads=note_uploads or []
            )
    return ticket
