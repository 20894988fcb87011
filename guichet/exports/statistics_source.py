"""The statistics page's tickets as a source of exports: those received in the period, narrowed by the
same dimensions (``statistics.filters``). The page (``/agent/pilotage/``) calls
``services.export_request(user=…, source=SOURCE, filters={"debut": […], "fin": […], "service": […], …})``
and then ``views.stream(export)`` or a redirect to the progress page, as the inbox's export does."""

import datetime
from typing import TypeVar

from django.db.models import Model, QuerySet

from guichet.accounts.models import User
from guichet.catalogue.models import RequestType
from guichet.exports.sources import Filters
from guichet.organisation.models import Service
from guichet.statistics.filters import Period, Preset, StatsFilter, tickets_for_stats
from guichet.tickets.models import Ticket

SOURCE = "statistics"
M = TypeVar("M", bound=Model)


def statistics_tickets(user: User, filters: Filters) -> QuerySet[Ticket]:
    stats_filter = StatsFilter(
        period=_period(filters),
        service=_by_id(Service.objects.all(), filters, "service"),
        request_type=_by_id(RequestType.objects.all(), filters, "demarche"),
        channel=_first(filters, "canal"),
        assignee=_by_id(User.objects.all(), filters, "agent"),
    )
    first, after = stats_filter.period.bounds()
    received = tickets_for_stats(user=user, filters=stats_filter)
    return received.filter(created_at__gte=first, created_at__lt=after).order_by("created_at", "pk")


def _by_id(queryset: QuerySet[M], filters: Filters, key: str) -> M | None:
    value = _first(filters, key)
    return queryset.filter(pk=int(value)).first() if value.isdigit() else None


def _first(filters: Filters, key: str) -> str:
    values = filters.get(key) or [""]
    return values[0]


def _period(filters: Filters) -> Period:
    """The custom period when both days are valid; otherwise the last twelve months."""
    try:
        start = datetime.date.fromisoformat(_first(filters, "debut"))
        end = datetime.date.fromisoformat(_first(filters, "fin"))
        return Period.from_preset(Preset.CUSTOM, start=start, end=end)
    except ValueError:
        return Period.from_preset(Preset.LAST_12_MONTHS)
