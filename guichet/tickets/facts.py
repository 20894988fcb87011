"""The per-ticket figures of the statistics (``TicketFacts``): their one definition, kept two ways.

- **As it happens**: ``tickets.services`` calls ``on_status_changed``, ``on_public_reply`` and ``on_moved`` in
  the transaction of the change, with the moment of the change (the ticket is locked). A new ticket's row is
  built by the worker just after it is stored (``facts_build_missing``, from ``tickets.services.ticket_received``),
  not in the citizen's request; a change recorded before that builds it from the timeline (``_current``).
- **From the timeline**: ``facts_from_events`` rebuilds a ticket's row from its events, by the rules of
  docs/METRICS.md (first response, first resolution, waits for the citizen ended before each moment);
  ``facts_rebuild`` runs it in batches (data migration, ``rebuild_ticket_facts``, ``seed_bench``).

Working days follow the commune's calendar at the time they are counted: when a closure day is added or
removed, ``facts_recount_working_days`` recounts them (the worker does it, see ``tasks``); seconds, days and
paused working days (the due-date extensions recorded in the events) never depend on the calendar.
"""

import bisect
import datetime
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections, models, router, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from guichet.organisation.calendar import WorkingCalendar
from guichet.organisation.models import Commune
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import DAY_COUNT_KEY

ONE_DAY = datetime.timedelta(days=1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# The first of these status changes is the ticket's resolution.
RESOLVED_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED})
# A change to one of these tells the citizen where their request stands (each one notifies them).
RESPONSE_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
# Back in the agent's hands after the service had answered or closed it.
REOPENED_FROM = frozenset({Status.ANSWERED, Status.CLOSED})
STATUS_CHANGED = "status_changed"  # EventKind values (the models import this module's callers, not the reverse)
AGENT_REPLY = "agent_reply"
EVENT_KINDS = (STATUS_CHANGED, AGENT_REPLY)
BATCH = 5_000


def epoch_seconds(moment: datetime.datetime) -> int:
    """Whole seconds since 1970, floored: the database's ``FLOOR(EXTRACT(EPOCH …))``."""
    return (moment - EPOCH) // datetime.timedelta(seconds=1)


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


class WorkingDays:
    """Working days between two dates, by difference of a running count kept per day (grows as needed)."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._first = datetime.date.max
        self._running: list[int] = []

    def _cover(self, low: datetime.date, high: datetime.date) -> None:
        last = self._first + datetime.timedelta(days=len(self._running) - 1) if self._running else low
        if self._running and self._first <= low and high <= last:
            return
        margin = datetime.timedelta(days=400)
        first = min(low, self._first if self._running else low) - margin
        current, stop, running, counts = first, max(high, last) + margin, 0, []
        while current <= stop:
            running += self.calendar.is_working_day(current)
            counts.append(running)
            current += ONE_DAY
        self._first, self._running = first, counts

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (``WorkingCalendar.working_days_between``)."""
        if end <= start:
            return 0
        self._cover(start, end)
        return self._running[(end - self._first).days] - self._running[(start - self._first).days]

    def net(self, start: datetime.date, end: datetime.date, paused: int) -> int:
        return max(0, self.between(start, end) - paused)


# As it happens (called by tickets.services, the ticket row locked) ----------------------------------------


def _dimensions(ticket: Any) -> dict[str, Any]:
    return {
        "service_id": ticket.service_id,
        "request_type_id": ticket.request_type_id,
        "channel": ticket.channel,
        "assignee_id": ticket.assignee_id,
        "status": ticket.status,
        "due_date": ticket.due_date,
    }


def on_deleted(ticket: Any, facts_model: type[models.Model]) -> None:
    """The ticket is about to be deleted (its facts go with it): its counts are taken off."""
    old = list(facts_model._default_manager.filter(pk=ticket.pk).values(*COUNT_FIELDS))
    counts_apply(facts_model, removed=old, added=())


def _current(ticket: Any, facts_model: type[models.Model]) -> Any | None:
    """The ticket's facts row, or None when there was none: then it is rebuilt from the timeline, which
    already holds the event being recorded (the caller has nothing left to add)."""
    facts = facts_model._default_manager.filter(pk=ticket.pk).first()
    if facts is None:  # a new ticket the worker has not reached yet, one older than the facts, or a seeder's
        facts_rebuild(facts_model, ticket_ids=[ticket.pk])
    return facts


def on_moved(ticket: Any, facts_model: type[models.Model]) -> None:
    """Service, assignee or another dimension changed."""
    facts = _current(ticket, facts_model)
    if facts is None:
        return
    before = count_keys(facts)
    dimensions = _dimensions(ticket)
    for name, value in dimensions.items():
        setattr(facts, name, value)
    facts.save(update_fields=[name.removesuffix("_id") for name in dimensions])
    _counts_move(facts_model, before, count_keys(facts))


def on_status_changed(
    ticket: Any,
    facts_model: type[models.Model],
    *,
    from_status: str,
    pause_started: datetime.datetime | None,
    paused_days: int,
    now: datetime.datetime,
    calendar: WorkingCalendar,
) -> None:
    """``ticket`` already carries its new status and due date; ``pause_started`` is the moment of the status
    change into ``awaiting_citizen`` that this change ends (None if it ends no wait)."""
    facts = _current(ticket, facts_model)
    if facts is None:
        return
    before = count_keys(facts)
    if from_status == Status.AWAITING_CITIZEN:
        if pause_started is not None:
            facts.paused_seconds += epoch_seconds(now) - epoch_seconds(pause_started)
        facts.paused_working_days += paused_days
    days = WorkingDays(calendar)
    if ticket.status in RESPONSE_STATUSES and facts.first_response_at is None:
        _set_first_response(facts, now, days)
    if ticket.status in RESOLVED_STATUSES and facts.resolved_at is None:
        facts.resolved_at = now
        facts.resolved_day = local_day(now)
        facts.resolution_seconds = epoch_seconds(now) - epoch_seconds(facts.received_at) - facts.paused_seconds
        facts.resolution_paused_days = facts.paused_working_days
        facts.resolution_working_days = days.net(facts.received_day, facts.resolved_day, facts.paused_working_days)
    if from_status in REOPENED_FROM and ticket.status == Status.IN_PROGRESS:
        facts.reopened = True
    for name, value in _dimensions(ticket).items():
        setattr(facts, name, value)
    facts.save()
    _counts_move(facts_model, before, count_keys(facts))


def on_public_reply(
    ticket: Any, facts_model: type[models.Model], *, now: datetime.datetime, calendar: WorkingCalendar
) -> None:
    facts = _current(ticket, facts_model)
    if facts is not None and facts.first_response_at is None:
        before = count_keys(facts)
        _set_first_response(facts, now, WorkingDays(calendar))
        facts.save()
        _counts_move(facts_model, before, count_keys(facts))


def _set_first_response(facts: Any, now: datetime.datetime, days: WorkingDays) -> None:
    facts.first_response_at = now
    facts.first_response_day = local_day(now)
    facts.first_response_seconds = epoch_seconds(now) - epoch_seconds(facts.received_at) - facts.paused_seconds
    facts.first_response_paused_days = facts.paused_working_days
    facts.first_response_working_days = days.net(
        facts.received_day, facts.first_response_day, facts.paused_working_days
    )


# From the timeline ---------------------------------------------------------------------------------------


@dataclass
class TimelineEvent:
    pk: int
    kind: str
    from_status: str
    to_status: str
    created_at: datetime.datetime
    extended_by: int | None


@dataclass
class _Pause:
    ended_at: datetime.datetime
    seconds: int | None
    days: int | None


def facts_from_events(ticket: dict[str, Any], events: Sequence[TimelineEvent], days: WorkingDays) -> dict[str, Any]:
    """The facts row of one ticket (``ticket``: its id, dimensions and ``created_at``) from its status changes
    and public agent replies, by the definitions of docs/METRICS.md."""
    events = sorted(events, key=lambda e: (e.created_at, e.pk))
    changes = [e for e in events if e.kind == STATUS_CHANGED]
    pauses = []
    for end in changes:
        if end.from_status != Status.AWAITING_CITIZEN:
            continue
        # The wait began at the latest change into awaiting_citizen not after the one that ends it.
        starts = [c for c in changes if c.to_status == Status.AWAITING_CITIZEN and c.created_at <= end.created_at]
        start = max(starts, key=lambda c: (c.created_at, c.pk)) if starts else None
        seconds = None if start is None else epoch_seconds(end.created_at) - epoch_seconds(start.created_at)
        pauses.append(_Pause(end.created_at, seconds, end.extended_by))

    def paused(moment: datetime.datetime) -> tuple[int, int]:
        ended = [p for p in pauses if p.ended_at <= moment]
        return sum(p.seconds or 0 for p in ended), sum(p.days or 0 for p in ended)

    received_at = ticket["created_at"]
    received_day = local_day(received_at)
    row = {
        "ticket_id": ticket["id"],
        "service_id": ticket["service_id"],
        "request_type_id": ticket["request_type_id"],
        "channel": ticket["channel"],
        "assignee_id": ticket["assignee_id"],
        "status": ticket["status"],
        "due_date": ticket["due_date"],
        "received_at": received_at,
        "received_day": received_day,
        "reopened": any(c.from_status in REOPENED_FROM and c.to_status == Status.IN_PROGRESS for c in changes),
    }
    responses = [e for e in events if e.kind == AGENT_REPLY or e.to_status in RESPONSE_STATUSES]
    resolutions = [c for c in changes if c.to_status in RESOLVED_STATUSES]
    for prefix, moments in (("first_response", responses), ("resolved", resolutions)):
        name = "resolution" if prefix == "resolved" else prefix
        if not moments:
            row.update({f"{prefix}_at": None, f"{prefix}_day": None, f"{name}_seconds": None})
            row.update({f"{name}_working_days": None, f"{name}_paused_days": 0})
            continue
        moment = moments[0].created_at
        paused_seconds, paused_days = paused(moment)
        row[f"{prefix}_at"] = moment
        row[f"{prefix}_day"] = local_day(moment)
        row[f"{name}_seconds"] = epoch_seconds(moment) - epoch_seconds(received_at) - paused_seconds
        row[f"{name}_working_days"] = days.net(received_day, local_day(moment), paused_days)
        row[f"{name}_paused_days"] = paused_days
    row["paused_seconds"], row["paused_working_days"] = paused(max((e.created_at for e in events), default=received_at))
    return row


TICKET_COLUMNS = ("id", "service_id", "request_type_id", "channel", "assignee_id", "status", "due_date", "created_at")


def _id_batches(ticket_model: type[models.Model], ticket_ids: Iterable[int] | None) -> Iterator[list[int]]:
    if ticket_ids is not None:
        ids = sorted(ticket_ids)
        for offset in range(0, len(ids), BATCH):
            yield ids[offset : offset + BATCH]
        return
    last = 0
    while True:
        ids = list(
            ticket_model._default_manager.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def facts_rebuild(
    facts_model: type[models.Model],
    *,
    ticket_ids: Iterable[int] | None = None,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Rebuild the facts of these tickets (all of them by default) from their timeline, one transaction per
    batch of 5,000 tickets: the tickets table is only read, never locked. Returns the number of rows."""
    ticket_model = cast(type[models.Model], facts_model._meta.get_field("ticket").related_model)
    event_model = cast(type[models.Model], ticket_model._meta.get_field("events").related_model)
    if calendar is None:
        calendar = Commune.current().calendar
    days = WorkingDays(calendar)
    done = 0
    for ids in _id_batches(ticket_model, ticket_ids):
        tickets = list(ticket_model._default_manager.filter(pk__in=ids).values(*TICKET_COLUMNS))
        events: dict[int, list[TimelineEvent]] = defaultdict(list)
        rows = (
            event_model._default_manager.filter(ticket_id__in=ids, kind__in=EVENT_KINDS)
            .order_by()
            .values_list("ticket_id", "pk", "kind", "from_status", "to_status", "created_at", "data")
        )
        for ticket_id, pk, kind, from_status, to_status, created_at, data in rows:
            extended = data.get("due_date_extended_by") if isinstance(data, dict) else None
            events[ticket_id].append(
                TimelineEvent(pk, kind, from_status, to_status, created_at, int(extended) if extended else None)
            )
        built = [facts_model(**facts_from_events(t, events[t["id"]], days)) for t in tickets]
        with transaction.atomic():
            old = list(facts_model._default_manager.filter(pk__in=ids).values(*COUNT_FIELDS))
            facts_model._default_manager.filter(pk__in=ids).delete()
            facts_model._default_manager.bulk_create(built, batch_size=1000)
            counts_apply(facts_model, removed=old, added=built)
        done += len(built)
    return done


def facts_build_missing(
    facts_model: type[models.Model],
    *,
    ticket_ids: Iterable[int] | None = None,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Build the facts of those tickets (all by default) that have none yet, with their counts, from the timeline.

    A new ticket's facts are built here by the worker, once the ticket is stored (``tickets.services.
    ticket_received``). Each batch first locks its tickets' rows, in order: a change being recorded holds its
    ticket's lock and builds missing facts itself (``_current``), so the two never race; facts found made
    meanwhile are rebuilt to the same row. Returns the number of tickets whose facts were built."""
    ticket_model = cast(type[models.Model], facts_model._meta.get_field("ticket").related_model)
    has_facts = Exists(facts_model._default_manager.filter(pk=OuterRef("pk")))
    built = 0
    for ids in _id_batches(ticket_model, ticket_ids):
        with transaction.atomic():
            missing = list(
                ticket_model._default_manager.select_for_update()
                .filter(pk__in=ids)
                .exclude(has_facts)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if missing:
                built += facts_rebuild(facts_model, ticket_ids=missing, calendar=calendar)
    return built


def facts_recount_working_days(facts_model: type[models.Model], *, calendar: WorkingCalendar | None = None) -> int:
    """The commune's calendar changed: recount every working-day duration (the days themselves, and the paused
    working days recorded when each wait ended, stay). One grouped read and one update per changed group of
    (receipt day, end day, paused days): as many as there are distinct triples, not tickets. Returns the
    number of groups updated."""
    if calendar is None:
        Commune.forget_cached()
        calendar = Commune.current().calendar
    days = WorkingDays(calendar)
    changed = 0
    for day_field, paused_field, target in (
        ("first_response_day", "first_response_paused_days", "first_response_working_days"),
        ("resolved_day", "resolution_paused_days", "resolution_working_days"),
    ):
        groups = (
            facts_model._default_manager.filter(**{f"{day_field}__isnull": False})
            .values("received_day", day_field, paused_field, target)
            .annotate(n=models.Count("pk"))
            .order_by()
        )
        for group in groups:
            expected = days.net(group["received_day"], group[day_field], group[paused_field])
            if expected != group[target]:
                facts_model._default_manager.filter(
                    received_day=group["received_day"],
                    **{day_field: group[day_field], paused_field: group[paused_field]},
                ).update(**{target: expected})
                changed += 1
    if changed:
        counts_rebuild(facts_model)
    return changed


# Per-day counts (``TicketDayCount``): derived rows of the facts, kept in the same transaction -----------------

# The facts' columns a row's counts depend on.
COUNT_FIELDS = (
    "received_day",
    "service_id",
    "request_type_id",
    "channel",
    "assignee_id",
    "status",
    "due_date",
    "first_response_day",
    "first_response_working_days",
    "first_response_seconds",
    "resolved_day",
    "resolution_working_days",
    "resolution_seconds",
    "reopened",
)
RECEIVED, FIRST_RESPONSE, RESOLUTION = 0, 1, 2  # TicketDayCount.kind
MONTH = 10  # kind + MONTH: the same counts on the month's first day (a year is 12 rows, not 365)
CountKey = tuple[Any, ...]  # tickets.models.DAY_COUNT_KEY, in that order
NO_REQUEST_TYPE, NO_CHANNEL, NO_ASSIGNEE = 0, "", -1  # a grain without that dimension


@dataclass(frozen=True)
class Grain:
    """Which dimensions a set of count rows keeps besides the service (always kept: the permission rule filters
    on it), and whether its rows are a duration histogram. Its rows are of kind ``moment + offset`` (daily) and
    ``moment + offset + MONTH`` (monthly). A page reads the narrowest grain that keeps the dimensions it
    filters or groups by (``grain_for``): the fewer dimensions, the fewer rows a period sums."""

    offset: int
    keeps: frozenset[str]  # among "request_type", "channel", "assignee"
    histogram: bool = False


ALL_DIMENSIONS = frozenset({"request_type", "channel", "assignee"})
GRAINS = (
    Grain(0, ALL_DIMENSIONS),  # first: the rows 0029 filled
    Grain(20, frozenset({"request_type", "channel"})),
    Grain(40, frozenset({"assignee"})),
    Grain(60, frozenset()),
    # Histograms of the net seconds (first response, resolution): the hour percentiles' ranks.
    Grain(80, frozenset({"request_type", "channel"}), histogram=True),
    Grain(100, frozenset({"assignee"}), histogram=True),
    Grain(120, frozenset(), histogram=True),
    Grain(140, frozenset({"channel"})),
    Grain(160, frozenset({"request_type"})),
    Grain(180, frozenset({"channel"}), histogram=True),
    Grain(200, frozenset({"request_type"}), histogram=True),
)
# How much a dimension splits a service's rows: a few agents, 6 channels, up to some twenty request types.
_SPLIT = {"assignee": 1, "channel": 2, "request_type": 3}


def grain_for(dimensions: Iterable[str], *, histogram: bool = False) -> Grain | None:
    """The narrowest grain that keeps these dimensions. None: no histogram keeps them all (the hour
    percentiles then read the facts)."""
    wanted = set(dimensions)
    candidates = [grain for grain in GRAINS if grain.histogram == histogram and wanted <= grain.keeps]
    return min(candidates, key=lambda g: sum(_SPLIT[name] for name in g.keeps), default=None)


def _duration_bounds() -> tuple[int, ...]:
    """The histogram's upper bounds in seconds: every hour up to 48 hours, then 10 % wider each, up to three
    years (the last bucket is open). Changing them needs ``rebuild_ticket_facts --compteurs``."""
    bounds, hours = [], 1
    while hours <= 48:
        bounds.append(hours * 3600)
        hours += 1
    while hours <= 3 * 366 * 24:
        bounds.append(hours * 3600)
        hours = hours * 11 // 10
    return tuple(bounds)


DURATION_BOUNDS = _duration_bounds()


def duration_bucket(seconds: int) -> int:
    """0 below the first bound, k for [DURATION_BOUNDS[k-1], DURATION_BOUNDS[k]), len(DURATION_BOUNDS) above."""
    return bisect.bisect_right(DURATION_BOUNDS, seconds)


def count_keys(facts: Any) -> list[CountKey]:
    """The counts one facts row (a model instance or a dict of ``COUNT_FIELDS``) adds 1 to."""
    get = facts.get if isinstance(facts, dict) else (lambda name: getattr(facts, name))
    received = get("received_day")
    service, request_type, channel, assignee = (
        get("service_id"),
        get("request_type_id"),
        get("channel"),
        get("assignee_id") or 0,
    )
    # (moment, day, latest day, status, working days, on time, reopened, seconds or None)
    moments: list[tuple[Any, ...]] = [(RECEIVED, received, received, get("status"), 0, False, False, None)]
    responded = get("first_response_day")
    if responded is not None:
        moments.append(
            (
                FIRST_RESPONSE,
                responded,
                max(responded, received),
                "",
                get("first_response_working_days"),
                False,
                False,
                get("first_response_seconds"),
            )
        )
    resolved = get("resolved_day")
    if resolved is not None:
        on_time, reopened = resolved <= get("due_date"), bool(get("reopened"))
        moments.append(
            (
                RESOLUTION,
                resolved,
                max(resolved, received),
                "",
                get("resolution_working_days"),
                on_time,
                reopened,
                get("resolution_seconds"),
            )
        )
    keys: list[CountKey] = []
    for moment, day, latest, status, working_days, on_time, reopened, seconds in moments:
        for grain in GRAINS:
            dims = (
                service,
                request_type if "request_type" in grain.keeps else NO_REQUEST_TYPE,
                channel if "channel" in grain.keeps else NO_CHANNEL,
                assignee if "assignee" in grain.keeps else NO_ASSIGNEE,
            )
            if not grain.histogram:
                figure = (status, working_days, on_time, reopened)
            elif moment != RECEIVED:  # the duration's bucket in place of the working days
                figure = ("", duration_bucket(seconds or 0), False, False)
            else:
                continue
            keys.append((moment + grain.offset, day, latest, *dims, *figure))
            # By month: the day is the month's first; so is the latest day when the receipt is not after the
            # moment's day (it then holds no information: received before the period ends whenever the moment is
            # in it), else the receipt day itself, exact.
            month = day.replace(day=1)
            keys.append((moment + grain.offset + MONTH, month, month if latest == day else latest, *dims, *figure))
    return keys


def counts_model_of(facts_model: type[models.Model]) -> type[models.Model] | None:
    """``TicketDayCount`` of the same app registry (None in the migrations that come before it)."""
    try:
        return facts_model._meta.apps.get_model(facts_model._meta.app_label, "TicketDayCount")
    except LookupError:
        return None


def _counts_move(facts_model: type[models.Model], before: list[CountKey], after: list[CountKey]) -> None:
    if before != after:
        _counts_add(facts_model, Counter(after) - Counter(before), Counter(before) - Counter(after))


def counts_apply(facts_model: type[models.Model], *, removed: Iterable[Any], added: Iterable[Any]) -> None:
    """Take the counts of the ``removed`` facts rows off and add those of the ``added`` ones."""
    plus: Counter[CountKey] = Counter(key for facts in added for key in count_keys(facts))
    minus: Counter[CountKey] = Counter(key for facts in removed for key in count_keys(facts))
    _counts_add(facts_model, plus - minus, minus - plus)


# Rows upserted per statement: a status change touches up to 56, a bulk change more (SQLite takes 32,766 values).
COUNT_ROWS_PER_STATEMENT = 500


def _counts_add(facts_model: type[models.Model], plus: Counter[CountKey], minus: Counter[CountKey]) -> None:
    counts_model = counts_model_of(facts_model)
    if counts_model is None:
        return
    delta = [(*key, n) for key, n in plus.items()] + [(*key, -n) for key, n in minus.items()]
    if not delta:
        return
    # Always in the key's order, so that two transactions never wait for each other's rows crosswise.
    delta.sort(key=lambda row: tuple((value is None, value) for value in row))
    connection = connections[router.db_for_write(counts_model)]
    quote = connection.ops.quote_name
    table = quote(counts_model._meta.db_table)
    names = (*DAY_COUNT_KEY, "n")
    columns = ", ".join(quote(name) for name in names)
    upsert = (
        f"ON CONFLICT ({', '.join(quote(name) for name in DAY_COUNT_KEY)}) "
        f"DO UPDATE SET {quote('n')} = {table}.{quote('n')} + excluded.{quote('n')}"
    )
    # One statement for a creation's dozen rows (distinct keys: no row is hit twice), in batches for bulk changes.
    with connection.cursor() as cursor:
        for start in range(0, len(delta), COUNT_ROWS_PER_STATEMENT):
            batch = delta[start : start + COUNT_ROWS_PER_STATEMENT]
            if connection.vendor == "postgresql":
                # The rows as one JSON parameter read as the table's own row type: the statement's text stays the
                # same whatever the number of rows, and one string is all there is to send (each value inlined
                # in the text cost more to quote than the rest of a ticket's creation).
                rows = json.dumps([dict(zip(names, values, strict=True)) for values in batch], default=str)
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} "
                    f"FROM json_populate_recordset(NULL::{table}, %s) {upsert}",
                    [rows],
                )
            else:
                row = f"({', '.join(['%s'] * len(names))})"
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))} {upsert}",
                    [value for values in batch for value in values],
                )


def counts_rebuild(
    facts_model: type[models.Model], *, batch: int | None = None, grains: Sequence[Grain] = GRAINS
) -> int:
    """Recompute every count from the facts, in SQL (grouped ``INSERT … SELECT``). ``batch=None``: all at once,
    in one transaction (the counts are never seen half-built: ``rebuild_ticket_facts``, a calendar change);
    ``batch``: by ranges of that many ticket ids, adding to the counts there are, one transaction each (the
    data migrations, on rows of ``grains`` there are none of yet). Returns the number of count rows."""
    counts_model = counts_model_of(facts_model)
    if counts_model is None:
        return 0
    if batch is None:
        with transaction.atomic(using=router.db_for_write(counts_model)):
            counts_model._default_manager.all().delete()
            _counts_fill(facts_model, counts_model, None, grains)
    else:
        # From the first id there is: ids start high where sequences have moved on (deleted tickets, tests).
        span = facts_model._default_manager.aggregate(first=models.Min("pk"), last=models.Max("pk"))
        for low in range((span["first"] or 1) - 1, span["last"] or 0, batch):
            with transaction.atomic(using=router.db_for_write(counts_model)):
                _counts_fill(facts_model, counts_model, (low, low + batch), grains)
    return counts_model._default_manager.count()


def _counts_fill(
    facts_model: type[models.Model],
    counts_model: type[models.Model],
    ids: tuple[int, int] | None,
    grains: Sequence[Grain],
) -> None:
    """``count_keys`` in SQL: one grouped insert per kind of day, grain and day or month, added to the rows
    there are."""
    connection = connections[router.db_for_write(counts_model)]
    quote = connection.ops.quote_name
    table, facts_table = quote(counts_model._meta.db_table), quote(facts_model._meta.db_table)
    columns = [quote(name) for name in DAY_COUNT_KEY]
    where = "TRUE" if ids is None else f"{quote('ticket_id')} > %s AND {quote('ticket_id')} <= %s"
    received = quote("received_day")
    if connection.vendor == "postgresql":

        def month_of(day: str) -> str:
            return f"CAST(DATE_TRUNC('month', {day}) AS date)"
    else:

        def month_of(day: str) -> str:
            return f"date({day}, 'start of month')"

    def bucket_of(seconds: str) -> str:
        whens = " ".join(f"WHEN {seconds} < {bound} THEN {k}" for k, bound in enumerate(DURATION_BOUNDS))
        return f"CASE {whens} ELSE {len(DURATION_BOUNDS)} END"

    selects = []
    for kind, day, working_days, seconds in (
        (RECEIVED, received, "0", None),
        (FIRST_RESPONSE, quote("first_response_day"), quote("first_response_working_days"), "first_response_seconds"),
        (RESOLUTION, quote("resolved_day"), quote("resolution_working_days"), "resolution_seconds"),
    ):
        condition = "TRUE" if kind == RECEIVED else f"{day} IS NOT NULL"
        for grain in grains:
            dims = ", ".join(
                [
                    quote("service_id"),
                    quote("request_type_id") if "request_type" in grain.keeps else str(NO_REQUEST_TYPE),
                    quote("channel") if "channel" in grain.keeps else "''",
                    f"COALESCE({quote('assignee_id')}, 0)" if "assignee" in grain.keeps else str(NO_ASSIGNEE),
                ]
            )
            if grain.histogram:
                if seconds is None:
                    continue
                figure = f"'', {bucket_of(quote(seconds))}, FALSE, FALSE"
            else:
                status = quote("status") if kind == RECEIVED else "''"
                flags = "FALSE, FALSE"
                if kind == RESOLUTION:
                    flags = f"CASE WHEN {day} <= {quote('due_date')} THEN TRUE ELSE FALSE END, {quote('reopened')}"
                figure = f"{status}, {working_days}, {flags}"
            latest = f"CASE WHEN {day} >= {received} THEN {day} ELSE {received} END"
            month_latest = f"CASE WHEN {day} >= {received} THEN {month_of(day)} ELSE {received} END"
            selects.append((f"{kind + grain.offset}, {day}, {latest}, {dims}, {figure}", condition))
            selects.append(
                (f"{kind + grain.offset + MONTH}, {month_of(day)}, {month_latest}, {dims}, {figure}", condition)
            )
    with connection.cursor() as cursor:
        for select, condition in selects:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}, {quote('n')}) "
                f"SELECT {select}, COUNT(*) FROM {facts_table} WHERE {where} AND {condition} "
                f"GROUP BY {', '.join(str(i) for i in range(1, len(columns) + 1))} "
                f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {quote('n')} = {table}.{quote('n')} + excluded.{quote('n')}",
                list(ids or ()),
            )
