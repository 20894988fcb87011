"""The agents' inbox: named views, filters and sorts over the tickets an agent may see."""

import dataclasses
import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.lib import references
from guichet.organisation import roles
from guichet.organisation.models import Commune
from guichet.tickets import nearby
from guichet.tickets.models import EscalationStep, Ticket, TicketQuerySet, overdue_condition
from guichet.tickets.search import apply_search
from guichet.tickets.selectors import implicit_decision_near_limit

VIEWS: dict[str, str | Promise] = {
    "mes-demandes": _("Mes demandes"),
    "mon-service": _("Mon service"),
    "non-assignees": _("Non assignées"),
    "en-retard": _("En retard"),
    "toutes": _("Toutes"),
}
DEFAULT_VIEW = "mon-service"
SORTS = {
    "echeance": ("due_date", "created_at"),
    "recentes": ("-created_at",),
    "anciennes": ("created_at",),
    "activite": ("-updated_at",),
}
DEFAULT_SORT = "echeance"
DUE_SOON_WORKING_DAYS = 2
# The « Escalade » filter: URL values (never translated) to the step the escalation job marked.
ESCALATION_FILTERS = {"bientot-depasse": EscalationStep.WARNING, "depasse": EscalationStep.MISSED}
DEFAULT_NEAR_RADIUS_M = 200
MAX_NEAR_RADIUS_M = 5000


@dataclass(frozen=True)
class InboxFilters:
    statuses: tuple[str, ...] = ()
    channel: str = ""
    request_type_id: int | None = None
    service_id: int | None = None
    assignee_id: int | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    overdue: bool = False
    due_soon: bool = False
    implicit_decision_near: bool = False
    escalation: str = ""
    search: str = ""
    sort: str = DEFAULT_SORT
    # « À proximité » (issue 17): within ``near_radius_m`` of a point, or of a ticket (its reference).
    near_reference: str = ""
    near_point: tuple[float, float] | None = None
    near_radius_m: int = DEFAULT_NEAR_RADIUS_M


def views_for(user: User) -> dict[str, str | Promise]:
    if roles.sees_all_services(user):
        return VIEWS
    return {key: label for key, label in VIEWS.items() if key != "toutes"}


def _view_conditions(user: User) -> dict[str, Q]:
    """What each named view adds to the tickets the user may see (one definition for lists and counts)."""
    service_ids = roles.service_ids_of(user)
    return {
        "mes-demandes": Q(assignee=user),
        "mon-service": Q(service_id__in=service_ids) if service_ids else Q(),
        "non-assignees": Q(assignee__isnull=True),
        "en-retard": overdue_condition(),
        "toutes": Q(),
    }


def view_queryset(user: User, view: str) -> TicketQuerySet:
    """The tickets of one named view (the status filter, open tickets by default, comes on top)."""
    conditions = _view_conditions(user)
    return Ticket.objects.visible_to(user).filter(conditions.get(view, conditions[DEFAULT_VIEW]))


def view_counts(user: User, views: dict[str, str | Promise]) -> dict[str, int]:
    """The open tickets of every named view, in one query (index-only on the open tickets' index)."""
    conditions = _view_conditions(user)
    aggregates = {key.replace("-", "_"): Count("pk", filter=conditions[key] or None) for key in views}
    totals = Ticket.objects.visible_to(user).open().aggregate(**aggregates)
    return {key: totals[key.replace("-", "_")] for key in views}


def due_soon_limit() -> datetime.date:
    return Commune.current().calendar.add_working_days(timezone.localdate(), DUE_SOON_WORKING_DAYS)


def apply_filters(queryset: TicketQuerySet, filters: InboxFilters) -> QuerySet[Ticket]:
    queryset = queryset.filter(status__in=filters.statuses) if filters.statuses else queryset.open()
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.request_type_id:
        queryset = queryset.filter(request_type_id=filters.request_type_id)
    if filters.service_id:
        queryset = queryset.filter(service_id=filters.service_id)
    if filters.assignee_id:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.created_from:
        queryset = queryset.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        queryset = queryset.filter(created_at__date__lte=filters.created_to)
    if filters.overdue:
        queryset = queryset.overdue()
    if filters.due_soon:
        queryset = queryset.due_between(timezone.localdate(), due_soon_limit())
    if filters.implicit_decision_near:
        # Undecided, with the date within the Commune's warning delay (index ticket_implicit_decision_due).
        limit = implicit_decision_near_limit(timezone.localdate())
        queryset = queryset.implicit_decision_pending().filter(implicit_decision_on__lte=limit)
    if step := ESCALATION_FILTERS.get(filters.escalation):
        queryset = queryset.filter(escalation=step)  # index ticket_open_escalated
    if filters.near_point is not None:
        queryset = within(queryset, *filters.near_point, radius_m=filters.near_radius_m)
    found = apply_search(queryset, filters.search) if filters.search else queryset
    return found.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]), "pk")


def within(queryset: TicketQuerySet, latitude: float, longitude: float, *, radius_m: float) -> TicketQuerySet:
    """Located tickets within ``radius_m``: the bounding box (index ``ticket_located``), then the circle.

    The circle is the equirectangular approximation, plain arithmetic on every database: within a few
    kilometres it errs by far less than a metre.
    """
    south, north, west, east = nearby.bounding_box(latitude, longitude, radius_m)
    x_scale = nearby.METRES_PER_DEGREE_LAT * math.cos(math.radians(latitude))
    dx = (F("longitude") - longitude) * x_scale
    dy = (F("latitude") - latitude) * nearby.METRES_PER_DEGREE_LAT
    return (
        queryset.filter(
            latitude__isnull=False,
            latitude__gte=south,
            latitude__lte=north,
            longitude__gte=west,
            longitude__lte=east,
        )
        .alias(distance_squared=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))
        .filter(distance_squared__lte=radius_m * radius_m)
    )


def resolve_near(user: User, filters: InboxFilters) -> InboxFilters:
    """« À proximité d'une demande »: the point of that ticket, if the user may see it and it is located."""
    if not filters.near_reference:
        return filters
    reference = references.normalise(filters.near_reference)
    place = (
        Ticket.objects.visible_to(user)
        .filter(reference=reference, latitude__isnull=False)
        .values_list("latitude", "longitude")
        .first()
        if reference
        else None
    )
    # An unknown or unlocated reference matches nothing rather than everything.
    return dataclasses.replace(filters, near_point=place or (91.0, 0.0))


def ticket_for_reference_search(user: User, text: str) -> Ticket | None:
    """A reference typed in the search box opens that ticket directly."""
    reference = references.normalise(text)
    return Ticket.objects.visible_to(user).filter(reference=reference).first() if reference else None


def inbox_page_queryset(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Everything one row of the list shows, in the same query."""
    return queryset.select_related("request_type", "service", "assignee", "citizen", "priority").only(
        "reference",
        "subject",
        "status",
        "channel",
        "created_at",
        "updated_at",
        "due_date",
        "implicit_decision_on",
        "decision",
        "escalation",
        "priority__name",
        "priority__slug",
        "priority__is_default",
        "request_type__name",
        "service__name",
        "assignee__first_name",
        "assignee__last_name",
        "assignee__username",
        "citizen__first_name",
        "citizen__last_name",
    )
