"""The columns of a ticket export, read in one query per export whatever the number of rows.

Every duration comes from the statistics layer's SQL (``statistics.per_ticket``); Python only formats each
row (labels, local time) as it streams by.
"""

import datetime
from collections.abc import Iterator

from django.db.models import BooleanField, Case, ExpressionWrapper, F, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.lib import references
from guichet.organisation import roles
from guichet.statistics.per_ticket import ResolutionDays, with_durations
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Ticket, overdue_condition

Cell = str | int | bool | datetime.date | datetime.datetime | None
CITIZEN_FIELDS = ("citizen__last_name", "citizen__first_name", "citizen__email", "citizen__phone")
FIELDS: tuple[str, ...] = (
    "reference",
    "created_at",
    "status",
    "channel",
    "service__name",
    "request_type__name",
    "assignee__first_name",
    "assignee__last_name",
    "due_date",
    "overdue_now",
    "first_response_day",
    "received_day",
    "resolved_day",
    "resolution_paused_days",
)
# A cell a spreadsheet would run as a formula (CSV and XLSX): kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def headers(*, with_citizen: bool) -> list[str]:
    names = [
        _("Numéro"),
        _("Reçue le"),
        _("Statut"),
        _("Canal"),
        _("Service"),
        _("Démarche"),
        _("Agent en charge"),
        _("Échéance"),
        _("En retard"),
        _("Première réponse le"),
        _("Délai de traitement (jours ouvrés)"),
    ]
    if with_citizen:
        names += [_("Nom"), _("Prénom"), _("Courriel"), _("Téléphone")]
    return names


def may_include_citizens(user: User) -> bool:
    return roles.may_export_citizen_data(user)


def rows(
    tickets: QuerySet[Ticket], *, user: User, with_citizen: bool, chunk_size: int, as_text: bool = False
) -> Iterator[list[Cell]]:
    """One list of cells per ticket, in the order of ``tickets``; ``as_text``: every cell already the text a
    CSV file holds (``writers.csv_cell`` of each, computed with fewer conversions: what a 1M-row export spends
    its time on)."""
    resolution_days = ResolutionDays(tickets)
    queryset = with_durations(tickets).annotate(
        overdue_now=ExpressionWrapper(overdue_condition(), output_field=BooleanField())
    )
    fields = FIELDS
    if with_citizen:
        queryset = queryset.annotate(**{_alias(field): _citizen_cell(field, user) for field in CITIZEN_FIELDS})
        fields += tuple(_alias(field) for field in CITIZEN_FIELDS)
    # Labels, names and the time zone looked up once, not per row.
    statuses = {value: str(label) for value, label in Status.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    yes, no = _("oui"), _("non")
    tz = timezone.get_current_timezone()
    names: dict[str | None, str] = {None: ""}
    for row in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        (reference, received, status, channel, service, request_type, first, last, due, overdue, responded) = row[:11]
        received_day, resolved_day, paused = row[11:14]
        local = received.astimezone(tz).replace(tzinfo=None, microsecond=0)
        assignee = f"{first} {last}".strip() if (first or last) else ""
        days = resolution_days(received_day, resolved_day, paused or 0)
        service_text = names.get(service)
        if service_text is None:
            service_text = names[service] = text(service)
        request_type_text = names.get(request_type)
        if request_type_text is None:
            request_type_text = names[request_type] = text(request_type)
        cells: list[Cell]
        if as_text:
            cells = [
                references.display(reference),
                local.isoformat(" ", "minutes"),
                statuses.get(status, status),
                channels.get(channel, channel),
                service_text,
                request_type_text,
                text(assignee),
                "" if due is None else due.isoformat(),
                yes if overdue else no,
                "" if responded is None else responded.isoformat(),
                "" if days is None else str(days),
            ]
        else:
            cells = [
                references.display(reference),
                local,
                statuses.get(status, status),
                channels.get(channel, channel),
                service_text,
                request_type_text,
                text(assignee),
                due,
                yes if overdue else no,
                responded,
                days,
            ]
        cells += [text(value or "") for value in row[14:]]
        yield cells


def text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _alias(field: str) -> str:
    return "export_" + field.replace("__", "_")


def _citizen_cell(field: str, user: User) -> F | Case:
    """Supervisors get every ticket's citizen; a service agent only those of the tickets of their services."""
    if roles.sees_all_services(user):
        return F(field)
    return Case(When(service_id__in=sorted(roles.service_ids_of(user)), then=F(field)), default=Value(""))
