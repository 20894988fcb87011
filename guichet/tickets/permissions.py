"""Who may see and do what on a ticket: the one rule every agent view and action applies.

- supervisors and administrators: every ticket, every action;
- service agents: the tickets of their services, every action on them;
- reception and mail room: read every ticket (citizens call about any of them) and add
  internal notes; they change only the tickets they entered themselves.
"""

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import QuerySet

from guichet.accounts.models import User
from guichet.organisation.models import Agent, Role
from guichet.tickets.models import Ticket

FRONT_DESK_ROLES = frozenset({Role.RECEPTION, Role.MAIL_ROOM})


class Action(models.TextChoices):
    VIEW = "view"
    NOTE = "note"
    REPLY = "reply"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    CHANGE_STATUS = "change_status"


def agent_of(user: User | AnonymousUser) -> Agent | None:
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.agent
    except Agent.DoesNotExist:
        return None


def tickets_visible_to(user: User | AnonymousUser) -> QuerySet[Ticket]:
    agent = agent_of(user)
    if agent is None:
        return Ticket.objects.none()
    if agent.sees_all_services or agent.role in FRONT_DESK_ROLES:
        return Ticket.objects.all()
    return Ticket.objects.filter(service_id__in=agent.service_ids)


def can(user: User | AnonymousUser, action: str, ticket: Ticket) -> bool:
    agent = agent_of(user)
    if agent is None:
        return False
    if agent.sees_all_services:
        return True
    if agent.role in FRONT_DESK_ROLES:
        return action in {Action.VIEW, Action.NOTE} or ticket.entered_by_id == user.pk
    return ticket.service_id in agent.service_ids
