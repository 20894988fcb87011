"""The SQL pieces of the metrics: moments of a ticket's life and paused time, as per-ticket expressions.

Everything here is an expression evaluated by the database, so a figure over a million tickets is one
query, never a Python loop over tickets. Durations are whole seconds (``EpochSeconds``) so that the
same arithmetic runs on PostgreSQL and SQLite.
"""

from django.db.models import (
    Aggregate,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind

# The first of these status changes is the ticket's resolution.
RESOLVED_STATUSES = (Status.ANSWERED, Status.CLOSED)
# A change to one of these tells the citizen where their request stands (each one notifies them).
RESPONSE_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.REJECTED)
# Back in the agent's hands after the service had answered or closed it.
REOPENED_FROM = (Status.ANSWERED, Status.CLOSED)


class EpochSeconds(Func):
    """Whole seconds since 1970 of a datetime (UTC), on PostgreSQL and SQLite."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)")


class PercentileDisc(Aggregate):
    """PostgreSQL's exact percentile: the first value whose cumulative share reaches ``fraction``."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _status_changes() -> QuerySet[Event]:
    return Event.objects.filter(ticket=OuterRef("pk"), kind=EventKind.STATUS_CHANGED).order_by()


def first_status_change_to(statuses: tuple[str, ...]) -> Subquery:
    changes = _status_changes().filter(to_status__in=statuses).order_by("created_at", "pk")
    return Subquery(changes.values("created_at")[:1])


def _responses() -> QuerySet[Event]:
    """A public agent message (``message_post_by_agent`` writes its ``agent_reply`` event in the same
    transaction) or a change to a response status."""
    return Event.objects.filter(
        Q(kind=EventKind.AGENT_REPLY) | Q(kind=EventKind.STATUS_CHANGED, to_status__in=RESPONSE_STATUSES),
        ticket=OuterRef("pk"),
    ).order_by()


def first_response() -> Subquery:
    return Subquery(_responses().order_by("created_at", "pk").values("created_at")[:1])


def has_status_change_in(statuses: tuple[str, ...], first, after) -> Exists:
    """Cheap pre-filter (one semi-join on the events) before the per-ticket subqueries."""
    return Exists(_status_changes().filter(to_status__in=statuses, created_at__gte=first, created_at__lt=after))


def has_response_in(first, after) -> Exists:
    return Exists(_responses().filter(created_at__gte=first, created_at__lt=after))


def _pauses_ended_by(moment: str) -> QuerySet[Event]:
    """The status changes that ended a wait for the citizen, up to the annotation ``moment`` of the ticket."""
    return _status_changes().filter(from_status=Status.AWAITING_CITIZEN, created_at__lte=OuterRef(moment))


def paused_seconds_before(moment: str) -> Expression:
    """Seconds spent waiting for the citizen before ``moment``: each wait runs from the change into
    ``awaiting_citizen`` to the change out of it (a wait still running has not ended, so it is not counted)."""
    pause_start = (
        Event.objects.filter(
            ticket=OuterRef("ticket"),
            kind=EventKind.STATUS_CHANGED,
            to_status=Status.AWAITING_CITIZEN,
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    pauses = (
        _pauses_ended_by(moment)
        .annotate(seconds=EpochSeconds("created_at") - EpochSeconds(Subquery(pause_start)))
        .values("ticket")
        .annotate(total=Sum("seconds"))
        .values("total")
    )
    return Coalesce(Subquery(pauses, output_field=IntegerField()), 0)


def paused_working_days_before(moment: str) -> Expression:
    """Working days spent waiting for the citizen before ``moment``: the very figure by which
    ``tickets.services._set_status`` moved the due date, recorded in the event that ended the wait."""
    pauses = (
        _pauses_ended_by(moment)
        .values("ticket")
        .annotate(total=Sum(Cast(KT("data__due_date_extended_by"), IntegerField())))
        .values("total")
    )
    return Coalesce(Subquery(pauses, output_field=IntegerField()), 0)


def was_reopened() -> Exists:
    return Exists(_status_changes().filter(from_status__in=REOPENED_FROM, to_status=Status.IN_PROGRESS))


def elapsed_seconds(moment: str, paused: str) -> Expression:
    return EpochSeconds(moment) - EpochSeconds("created_at") - F(paused)


OPEN_Q = Q(status__in=(Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN))
