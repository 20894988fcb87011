from django import template

from guichet.organisation import roles
from guichet.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("retention/_legal_hold_card.html")
def legal_hold_card(ticket: Ticket, user) -> dict:
    """On the agent's ticket page: the hold (or the anonymisation) and, for those who may, the way to change it."""
    return {"ticket": ticket, "may_hold": roles.may_set_legal_hold(user)}
