"""The public quality results (/resultats/, Services Publics+ commitment #6): what anyone may read.

The figures are the layer's own (docs/METRICS.md), computed on every service as a supervisor sees them,
restricted to the request types the catalogue offers today. Only counts, working-day durations and shares
leave this module: no ticket, no citizen, no agent.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from guichet.catalogue.models import RequestType
from guichet.organisation.models import Service
from guichet.statistics.figures import Distribution, Share
from guichet.statistics.filters import Period, Preset
from guichet.statistics.metrics import deadline_share, first_response_working_days, received_count
from guichet.tickets.models import Ticket


@dataclass(frozen=True)
class PublicCell:
    received: int  # tickets received in the period
    first_response: Distribution  # working days; a cell is shown only when publishable
    within_deadline: Share


@dataclass(frozen=True)
class PublicRequestType:
    name: str
    deadline_days: int
    cell: PublicCell


@dataclass(frozen=True)
class PublicService:
    name: str
    total: PublicCell
    request_types: list[PublicRequestType]


@dataclass(frozen=True)
class PublicResults:
    period: Period
    services: list[PublicService]


def public_tickets() -> QuerySet[Ticket]:
    """The public view: every service, the active request types only (a withdrawn procedure is not reported)."""
    return Ticket.objects.filter(request_type__is_active=True).order_by()


def public_results(*, today: datetime.date | None = None) -> PublicResults:
    """Per active service and per active request type of its catalogue, over the last 12 months."""
    period = Period.from_preset(Preset.LAST_12_MONTHS, today=today)
    tickets = public_tickets()
    types = RequestType.objects.active().order_by("order", "name")
    services = []
    for service in Service.objects.filter(is_active=True).order_by("name"):
        rows = [
            PublicRequestType(
                name=request_type.name,
                deadline_days=request_type.deadline_days,
                cell=_cell(tickets.filter(service=service, request_type=request_type), period),
            )
            for request_type in types.filter(service=service)
        ]
        total = _cell(tickets.filter(service=service), period)
        if rows or total.received:
            services.append(PublicService(name=service.name, total=total, request_types=rows))
    return PublicResults(period=period, services=services)


def _cell(tickets: QuerySet[Ticket], period: Period) -> PublicCell:
    return PublicCell(
        received=received_count(tickets, period),
        first_response=first_response_working_days(tickets, period),
        within_deadline=deadline_share(tickets, period),
    )
