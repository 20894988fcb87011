"""Reads for GET requests: which tickets are public through Open311, and the spec's filters.

Public: tickets of request types that do not require a citizen account (the ones the service list
offers, retired ones included), whatever their channel. Only the columns the responses show are read.
"""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.catalogue.models import RequestType
from guichet.lib import dates, references
from guichet.organisation.models import Commune, PositionPrecision
from guichet.places.bbox import Box, InvalidBox, parse_bbox, rounded_condition
from guichet.tickets.models import Event, EventKind, Ticket, open_condition

DEFAULT_SPAN = datetime.timedelta(days=90)
MAX_RESULTS = 1000
# The spec's two statuses; Guichet's own status is in the extended attributes (payloads).
STATUS_FILTERS = {"open": open_condition(), "closed": ~open_condition()}
PUBLIC_EVENT_KINDS = (EventKind.CREATED, EventKind.STATUS_CHANGED)
COLUMNS = (
    "reference",
    "status",
    "answers",
    "latitude",
    "longitude",
    "address_label",
    "created_at",
    "updated_at",
    "due_date",
    "implicit_decision_on",
    "decision",
    "channel",
    "request_type__name",
    "request_type__slug",
    "request_type__position_public",
    "service__name",
)


class QueryError(ValueError):
    """A parameter that cannot be understood; the message (French) goes back to the client."""


@dataclass(frozen=True)
class RequestQuery:
    references: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    updated_after: datetime.datetime | None = None
    updated_before: datetime.datetime | None = None
    page: int = 1
    page_size: int = MAX_RESULTS
    extensions: bool = False
    # Mark-a-Spot's extension: min_lng, min_lat, max_lng, max_lat (WGS 84).
    bbox: Box | None = None


def _param(params: QueryDict, name: str) -> str:
    return params.get(name, "").strip()


def _list(params: QueryDict, name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _param(params, name).split(",") if part.strip())


def _moment(params: QueryDict, name: str) -> datetime.datetime | None:
    raw = _param(params, name)
    if not raw:
        return None
    try:
        # The spec wants a time zone; a client that forgets it most likely means UTC.
        return dates.parse_moment(raw, default_tz=datetime.UTC)
    except dates.InvalidDate as problem:
        raise QueryError(f"{name} : {problem}") from None


def _integer(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = _param(params, name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise QueryError(_("%(name)s : nombre entier de 1 à %(max)s attendu.") % {"name": name, "max": maximum})
    return int(raw)


def _bbox(params: QueryDict) -> Box | None:
    raw = _param(params, "bbox")
    if not raw:
        return None
    try:
        return parse_bbox(raw)
    except InvalidBox as problem:
        raise QueryError(str(problem)) from None


def parse_query(params: QueryDict) -> RequestQuery:
    """The GET requests parameters; raises QueryError with a French message for what cannot be used."""
    statuses = _list(params, "status")
    unknown = [status for status in statuses if status not in STATUS_FILTERS]
    if unknown:
        raise QueryError(
            _("status : valeurs possibles open et closed, reçu %(value)s.") % {"value": ", ".join(unknown)}
        )
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start and end and end < start:
        raise QueryError(_("end_date est antérieure à start_date."))
    if start and end and end - start > DEFAULT_SPAN:
        raise QueryError(_("start_date et end_date ne peuvent pas couvrir plus de 90 jours."))
    return RequestQuery(
        references=tuple(ref for raw in _list(params, "service_request_id") if (ref := references.normalise(raw))),
        service_codes=_list(params, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
        updated_after=_moment(params, "updated_after"),
        updated_before=_moment(params, "updated_before"),
        page=_integer(params, "page", 1, 1_000_000),
        page_size=_integer(params, "page_size", MAX_RESULTS, MAX_RESULTS),
        extensions=_param(params, "extensions").lower() == "true",
        bbox=_bbox(params),
    )


def public_tickets(*, extensions: bool = False) -> QuerySet[Ticket]:
    tickets = (
        Ticket.objects.filter(request_type__in=RequestType.objects.open_to_anyone())
        .select_related("request_type", "service")
        .only(*COLUMNS)
    )
    if extensions:
        # The priority, an extended attribute: Open311 GeoReport v2 has no field for it (docs/API.md).
        tickets = tickets.select_related("priority").only(*COLUMNS, "priority__slug", "priority__name")
        history = Event.objects.filter(kind__in=PUBLIC_EVENT_KINDS).only(
            "ticket_id", "kind", "from_status", "to_status", "created_at"
        )
        tickets = tickets.prefetch_related(Prefetch("events", queryset=history, to_attr="public_history"))
    return tickets


def _date_window(query: RequestQuery, now: datetime.datetime) -> Q:
    """The spec's default: the last 90 days, or 90 days from (or up to) the one date given.

    A client syncing by update time (``updated_after``/``updated_before``) gets every match instead.
    """
    start, end = query.start, query.end
    if start is None and end is None:
        if query.updated_after or query.updated_before:
            return Q()
        return Q(created_at__gte=now - DEFAULT_SPAN)
    if start is None:
        assert end is not None
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    return Q(created_at__gte=start, created_at__lte=end)


def public_requests(query: RequestQuery, *, now: datetime.datetime | None = None) -> list[Ticket]:
    """At most ``page_size`` (≤ 1,000) tickets, newest first; ``service_request_id`` overrides every filter."""
    tickets = public_tickets(extensions=query.extensions)
    if query.references:
        return list(tickets.filter(reference__in=query.references[:MAX_RESULTS]).order_by("-created_at", "-pk"))
    tickets = tickets.filter(_date_window(query, now or timezone.now()))
    if query.service_codes:
        tickets = tickets.filter(request_type__slug__in=query.service_codes)
    if query.statuses:
        tickets = tickets.filter(reduce(operator.or_, (STATUS_FILTERS[name] for name in query.statuses)))
    if query.bbox:
        # Only published positions, read as published: a box finds nothing a client could not see.
        exact = Commune.current().open311_position == PositionPrecision.EXACT
        inside = query.bbox.condition() if exact else rounded_condition(query.bbox)
        tickets = tickets.filter(inside, request_type__position_public=True)
    if query.updated_after:
        tickets = tickets.filter(updated_at__gte=query.updated_after)
    if query.updated_before:
        tickets = tickets.filter(updated_at__lte=query.updated_before)
    offset = (query.page - 1) * query.page_size
    return list(tickets.order_by("-created_at", "-pk")[offset : offset + query.page_size])


def public_request(raw_reference: str, *, extensions: bool = False) -> Ticket | None:
    reference = references.normalise(raw_reference)
    if reference is None:
        return None
    return public_tickets(extensions=extensions).filter(reference=reference).first()
