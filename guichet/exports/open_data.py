"""The anonymised open-data file: one row per request, no personal data, no free text, dates to the day,
and no row from a small cell. Schema and rules: docs/OPEN_DATA.md.

A *cell* is (service, request type, channel, month of receipt); a request whose cell holds fewer than
``GUICHET_STATS_MIN_CELL`` requests is left out, so that no row stands for one or two identifiable people.
The cell sizes are a window count in the same query as the rows.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import TruncMonth

from guichet.exports import writers
from guichet.exports.columns import Cell
from guichet.statistics.filters import Period
from guichet.statistics.per_ticket import ResolutionDays, with_durations
from guichet.tickets.models import Ticket

SCHEMA = (
    "date_reception",
    "service",
    "demarche",
    "canal",
    "statut",
    "date_premiere_reponse",
    "date_resolution",
    "delai_resolution_jours_ouvres",
    "resolue_dans_le_delai",
)
FIELDS = (
    "received_day",
    "service__name",
    "request_type__name",
    "channel",
    "status",
    "first_response_day",
    "resolved_day",
    "resolution_paused_days",
    "on_time",
)


@dataclass(frozen=True)
class OpenDataResult:
    rows: int
    suppressed: int


def _received_in(period: Period) -> QuerySet[Ticket]:
    first, after = period.bounds()
    return Ticket.objects.filter(created_at__gte=first, created_at__lt=after).order_by()


def _publishable(period: Period) -> QuerySet[Ticket]:
    cell = Window(
        Count("pk"),
        partition_by=[F("service_id"), F("request_type_id"), F("channel"), TruncMonth("created_at")],
    )
    return _received_in(period).annotate(cell_size=cell).filter(cell_size__gte=settings.GUICHET_STATS_MIN_CELL)


def _rows(tickets: QuerySet[Ticket], period: Period) -> Iterator[list[Cell]]:
    days = ResolutionDays(_received_in(period))
    annotated: QuerySet[Any] = with_durations(tickets)  # the annotations are unknown to the type checker
    queryset = annotated.annotate(
        on_time=ExpressionWrapper(Q(resolved_day__lte=F("due_date")), output_field=BooleanField())
    ).order_by("received_day", "service__name", "request_type__name", "channel", "status", "resolved_day")
    for row in queryset.values_list(*FIELDS).iterator(chunk_size=settings.GUICHET_EXPORT_CHUNK_ROWS):
        received, service, request_type, channel, status, responded, resolved, paused, on_time = row
        resolution = days(received, resolved, paused or 0)
        within = "" if resolved is None else ("oui" if on_time else "non")
        yield [received, service, request_type, channel, status, responded, resolved, resolution, within]


def open_data_chunks(period: Period, counter: list[int] | None = None) -> Iterator[str]:
    """The CSV text (UTF-8 without a byte order mark, comma-separated) of the requests received in ``period``,
    in pieces: the management command writes them to a file, the REST API streams them. ``counter[0]``
    holds the number of rows written so far."""
    tickets = _publishable(period)

    def counted() -> Iterator[list[Cell]]:
        for row in _rows(tickets, period):
            if counter is not None:
                counter[0] += 1
            yield row

    return writers.csv_chunks(list(SCHEMA), counted(), bom=False)


def open_data_write(target: IO[bytes], *, period: Period) -> OpenDataResult:
    """Writes the open-data CSV of ``period`` to ``target``."""
    written = [0]
    for chunk in open_data_chunks(period, written):
        target.write(chunk.encode())
    return OpenDataResult(rows=written[0], suppressed=_received_in(period).count() - written[0])


def file_name(period: Period) -> str:
    return f"demandes-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"


def default_period(today: datetime.date) -> Period:
    """The last twelve whole months: a published file does not change after it is published."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    months = end.year * 12 + end.month - 1 - 11
    return Period(start=datetime.date(months // 12, months % 12 + 1, 1), end=end)
