"""The tickets list's filters, on top of the tickets the caller may see (tickets.permissions)."""

from typing import Any

from django.db.models import QuerySet

from guichet.accounts.models import User
from guichet.tickets.models import Ticket, TicketQuerySet, overdue_condition
from guichet.tickets.search import apply_search

SIMPLE_FILTERS = {
    "service": "service__slug",
    "request_type": "request_type__slug",
    "channel": "channel",
    "due_before": "due_date__lte",
    "due_after": "due_date__gte",
    "updated_after": "updated_at__gt",
    "created_after": "created_at__gte",
    "created_before": "created_at__lt",
}


def apply_ticket_filters(queryset: TicketQuerySet, filters: dict[str, Any], *, user: User) -> QuerySet[Ticket]:
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    for name, lookup in SIMPLE_FILTERS.items():
        if filters.get(name) is not None:
            queryset = queryset.filter(**{lookup: filters[name]})
    assignee = filters.get("assignee")
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee:
        queryset = queryset.filter(assignee__username=assignee)
    if filters.get("bbox") is not None:
        queryset = queryset.filter(filters["bbox"].condition())
    if filters.get("overdue") is not None:
        queryset = queryset.overdue() if filters["overdue"] else queryset.exclude(overdue_condition())
    return apply_search(queryset, filters["q"]) if filters.get("q") else queryset
