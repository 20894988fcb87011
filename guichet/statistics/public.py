"""The public quality results (/resultats/, Services Publics+ commitment #6): what anyone may read.

The figures are the layer's own (docs/METRICS.md), computed on every service as a supervisor sees them,
restricted to the request types the catalogue offers today. Only counts, working-day durations and shares
leave this module: no ticket, no citizen, no agent.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from guichet.catalogue.models import RequestType
from guichet.organisation.models import Service
from guichet.statistics.figures import Distribution, Share, working_day_distribution
from guichet.statistics.filters import Period, Preset
from guichet.statistics.metrics import FIRST_RESPONSE, RESOLUTION
from guichet.tickets.models import TicketFacts


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


def public_tickets() -> QuerySet[TicketFacts]:
    """The public view: every service, the active request types only (a withdrawn procedure is not reported)."""
    return TicketFacts.objects.filter(request_type__is_active=True).order_by()


def public_results(*, today: datetime.date | None = None) -> PublicResults:
    """Per active service and per active request type of its catalogue, over the last 12 months.

    Five queries whatever the number of services and types: each figure is grouped by (service, request
    type) in the database, and a service's total merges its cells (counts add up, so the merged working-day
    distribution, median and p90 included, is exact).
    """
    period = Period.from_preset(Preset.LAST_12_MONTHS, today=today)
    facts = public_tickets()
    received: Counter[tuple[int, int]] = Counter()
    for row in (
        facts.filter(received_day__gte=period.start, received_day__lte=period.end)
        .values("service_id", "request_type_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        received[row["service_id"], row["request_type_id"]] = row["n"]
    durations: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)
    for row in (
        FIRST_RESPONSE.ended_in(facts, period)
        .values("service_id", "request_type_id", FIRST_RESPONSE.working_days)
        .annotate(n=Count("pk"))
        .order_by()
    ):
        durations[row["service_id"], row["request_type_id"]][row[FIRST_RESPONSE.working_days]] += row["n"]
    deadlines: dict[tuple[int, int], Share] = {}
    for row in (
        RESOLUTION.ended_in(facts, period)
        .values("service_id", "request_type_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(resolved_day__lte=F("due_date"))))
        .order_by()
    ):
        deadlines[row["service_id"], row["request_type_id"]] = Share(count=row["on_time"], n=row["n"])

    def cell(keys: list[tuple[int, int]]) -> PublicCell:
        days: Counter[int] = Counter()
        for key in keys:
            days.update(durations.get(key, Counter()))
        shares = [deadlines[key] for key in keys if key in deadlines]
        return PublicCell(
            received=sum(received.get(key, 0) for key in keys),
            first_response=working_day_distribution(days),
            within_deadline=Share(count=sum(s.count for s in shares), n=sum(s.n for s in shares)),
        )

    keys_by_service: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for key in (*received, *durations, *deadlines):
        keys_by_service[key[0]].add(key)
    types_by_service: dict[int, list[RequestType]] = defaultdict(list)
    for request_type in RequestType.objects.active().order_by("order", "name"):
        types_by_service[request_type.service_id].append(request_type)
    services = []
    for service in Service.objects.filter(is_active=True).order_by("name"):
        rows = [
            PublicRequestType(
                name=request_type.name,
                deadline_days=request_type.deadline_days,
                cell=cell([(service.pk, request_type.pk)]),
            )
            for request_type in types_by_service[service.pk]
        ]
        total = cell(sorted(keys_by_service[service.pk]))
        if rows or total.received:
            services.append(PublicService(name=service.name, total=total, request_types=rows))
    return PublicResults(period=period, services=services)
