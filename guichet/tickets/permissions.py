"""Who may see and do what on a ticket: the one rule every agent view, list and action applies.

- supervisors and administrators: every ticket, every action;
- service agents: the tickets of their services, every action on them;
- reception and mail room: read every ticket (citizens call about any of them) and add
  internal notes; they change only the tickets they entered themselves.

Lists apply it through ``Ticket.objects.visible_to(user)``, single tickets through ``can``; the roles
themselves are ``organisation.roles``. This module does not import the models (they import it).
"""

from typing import TYPE_CHECKING, Protocol

from django.db import models

from guichet.organisation import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from guichet.accounts.models import User


class TicketLike(Protocol):
    """What the rule reads of a ticket (``tickets.models`` imports this module, not the other way round)."""

    service_id: int
    entered_by_id: int | None


class Action(models.TextChoices):
    VIEW = "view"
    NOTE = "note"
    REPLY = "reply"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    CHANGE_STATUS = "change_status"
    CHANGE_PRIORITY = "change_priority"
    CHANGE_PLACE = "change_place"
    PUBLISH_PHOTO = "publish_photo"


# What the front desk may do on a ticket it did not enter.
FRONT_DESK_ACTIONS = frozenset({Action.VIEW, Action.NOTE})


def visible_condition(user: "User | AnonymousUser") -> models.Q | None:
    """The filter of the tickets ``user`` may see: None for nobody's, an empty Q for all of them."""
    agent = roles.agent_of(user)
    if agent is None:
        return None
    if roles.sees_all_services(agent) or roles.is_front_desk(agent):
        return models.Q()
    return models.Q(service_id__in=agent.service_ids)


def can(user: "User | AnonymousUser", action: str, ticket: TicketLike) -> bool:
    agent = roles.agent_of(user)
    if agent is None:
        return False
    if roles.sees_all_services(agent):
        return True
    if roles.is_front_desk(agent):
        return action in FRONT_DESK_ACTIONS or ticket.entered_by_id == user.pk
    return ticket.service_id in agent.service_ids
