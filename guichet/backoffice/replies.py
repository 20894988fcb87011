"""Fill a reply template's placeholders for one ticket."""

from django.utils import formats

from guichet.accounts.models import User
from guichet.backoffice.models import PLACEHOLDER_PATTERN, ReplyTemplate
from guichet.tickets.models import Ticket


def reply_template_render(*, template: ReplyTemplate, ticket: Ticket, agent: User) -> str:
    values = {
        "reference": ticket.reference_display,
        "usager": ticket.citizen.full_name if ticket.citizen else "",
        "demarche": ticket.request_type.name,
        "echeance": formats.date_format(ticket.due_date, "DATE_FORMAT"),
        "service": ticket.service.name,
        "agent": agent.get_full_name() or agent.get_username(),
    }
    return PLACEHOLDER_PATTERN.sub(lambda match: values.get(match.group(1), match.group(0)), template.body)
