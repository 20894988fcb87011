"""The per-day counts (``TicketDayCount``) against the per-ticket facts they summarise.

Random facts rows are written one version after another, the counts moved by ``tickets.facts`` at each
version (old keys off, new keys on, as the services do); then (1) the counts equal those rebuilt in SQL from
the facts (``counts_rebuild``), and (2) every figure the statistics read from the counts equals the same
figure computed per fact (one row per ticket, as before the counts existed), for a random user, period and
filter.
"""

import datetime
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count, F, Q
from hypothesis import example, given
from hypothesis import strategies as st

from guichet.statistics.figures import Distribution, percentile_disc, working_day_distribution
from guichet.statistics.filters import Period, StatsFilter, facts_for_stats
from guichet.statistics.metrics import ticket_stats
from guichet.statistics.series import (
    Step,
    durations_over_time,
    step_start,
    volume_by_channel_over_time,
    within_deadline_by_service,
)
from guichet.tickets import facts as ticket_facts
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Ticket, TicketDayCount, TicketFacts
from tests import factories
from tests.conftest import build_facts, day_counts

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2026, 1, 1)
CHANNELS = [Channel.WEB, Channel.EMAIL, Channel.PHONE]
STATUSES = [Status.RECEIVED, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED]


@pytest.fixture
def world(commune, request_type, agent, other_agent, other_service, supervisor):
    other_type = factories.RequestTypeFactory(service=other_service, name="Acte de naissance")
    tickets = [factories.make_ticket(request_type=request_type, citizen=None) for _ in range(8)]
    build_facts()
    return {
        "tickets": [t.pk for t in tickets],
        "types": [request_type, other_type],
        "assignees": [None, agent, other_agent],
        "users": [supervisor, agent, other_agent],
    }


def day(offset: int) -> datetime.date:
    return FIRST + datetime.timedelta(days=offset)


# One version of a ticket's facts: (ticket index, type index, channel, assignee index, status, receipt day,
# first response after it or none (days, working days), resolution (days, working days) or none, due in days,
# reopened). Days may also fall before the receipt (a moment's day is taken as it is written).
version = st.tuples(
    st.integers(0, 7),
    st.integers(0, 1),
    st.sampled_from(CHANNELS),
    st.integers(0, 2),
    st.sampled_from(STATUSES),
    st.integers(0, 60),
    st.none() | st.tuples(st.sampled_from([-1, 0]) | st.integers(-2, 20), st.integers(0, 12)),
    st.none() | st.tuples(st.sampled_from([-1, 0]) | st.integers(-2, 40), st.integers(0, 25)),
    st.integers(0, 30),
    st.booleans(),
)


def _row(world, values) -> dict[str, Any]:
    index, type_index, channel, assignee_index, status, received, responded, resolved, due, reopened = values
    request_type, assignee = world["types"][type_index], world["assignees"][assignee_index]
    received_day = day(received)
    row: dict[str, Any] = {
        "ticket_id": world["tickets"][index],
        "service_id": request_type.service_id,
        "request_type_id": request_type.pk,
        "channel": channel,
        "assignee_id": assignee.pk if assignee else None,
        "status": status,
        "received_at": datetime.datetime.combine(received_day, datetime.time(10), tzinfo=datetime.UTC),
        "received_day": received_day,
        "due_date": received_day + datetime.timedelta(days=due),
        "reopened": reopened,
    }
    for prefix, name, moment in (("first_response", "first_response", responded), ("resolved", "resolution", resolved)):
        if moment is None:
            row.update({f"{prefix}_day": None, f"{name}_working_days": None, f"{name}_seconds": None})
        else:
            row.update(
                {
                    f"{prefix}_day": received_day + datetime.timedelta(days=moment[0]),
                    f"{name}_working_days": moment[1],
                    f"{name}_seconds": moment[0] * 86_400 + moment[1],
                }
            )
    return row


def _write(world, versions) -> None:
    """Each version replaces its ticket's row; the counts move as the services move them."""
    TicketFacts.objects.all().delete()
    TicketDayCount.objects.all().delete()
    for values in versions:
        row = _row(world, values)
        old = list(TicketFacts.objects.filter(pk=row["ticket_id"]).values(*ticket_facts.COUNT_FIELDS))
        TicketFacts.objects.filter(pk=row["ticket_id"]).delete()
        TicketFacts.objects.create(**row)
        ticket_facts.counts_apply(TicketFacts, removed=old, added=[row])


# The same figures per fact: one row per ticket, counted by the database (the statistics before the counts).


def _per_fact(user, filters: StatsFilter) -> dict[str, Any]:
    facts = facts_for_stats(user=user, filters=filters)
    period = filters.period
    received = facts.filter(received_day__gte=period.start, received_day__lte=period.end)

    def ended(day_field: str):
        return facts.filter(
            **{f"{day_field}__gte": period.start, f"{day_field}__lte": period.end}, received_day__lte=period.end
        )

    def distribution(day_field: str, working_days: str):
        rows = ended(day_field).values(working_days).annotate(n=Count("pk"))
        return working_day_distribution(Counter({r[working_days]: r["n"] for r in rows}))

    def hours(day_field: str, seconds: str):
        values = Counter(ended(day_field).values_list(seconds, flat=True))
        return Distribution(
            n=sum(values.values()),
            median=_hours(percentile_disc(values, 0.5)),
            p90=_hours(percentile_disc(values, 0.9)),
        )

    resolved = ended("resolved_day")
    return {
        "total": received.count(),
        "by_day": sorted(Counter(received.values_list("received_day", flat=True)).items()),
        "by_status": dict(Counter(received.values_list("status", flat=True))),
        "by_channel": dict(Counter(received.values_list("channel", flat=True))),
        "by_service": dict(Counter(received.values_list("service_id", flat=True))),
        "by_request_type": dict(Counter(received.values_list("request_type_id", flat=True))),
        "first_response": distribution("first_response_day", "first_response_working_days"),
        "resolution": distribution("resolved_day", "resolution_working_days"),
        "first_response_hours": hours("first_response_day", "first_response_seconds"),
        "resolution_hours": hours("resolved_day", "resolution_seconds"),
        "resolved": resolved.count(),
        "on_time": resolved.filter(resolved_day__lte=F("due_date")).count(),
        "reopened": resolved.filter(reopened=True).count(),
        "per_service": {
            r["service_id"]: (r["on_time"], r["n"])
            for r in resolved.values("service_id").annotate(
                n=Count("pk"), on_time=Count("pk", filter=Q(resolved_day__lte=F("due_date")))
            )
        },
        "resolution_days": dict(Counter(resolved.values_list("resolved_day", flat=True))),
        "channel_days": dict(Counter(received.values_list("received_day", "channel"))),
    }


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else max(0, seconds) / 3600


def _from_counts(user, filters: StatsFilter, *, full: bool = True) -> dict[str, Any]:
    report = ticket_stats(user=user, filters=filters, full=full)
    volume = report.volume
    step = Step.WEEK
    return {
        "total": volume.total,
        "by_day": volume.by_day,
        "by_status": volume.by_status,
        "by_channel": volume.by_channel,
        "by_service": {pk: n for pk, _, n in volume.by_service},
        "by_request_type": {pk: n for pk, _, n in volume.by_request_type},
        "first_response": report.first_response.working_days,
        "resolution": report.resolution.working_days,
        "first_response_hours": report.first_response.hours,
        "resolution_hours": report.resolution.hours,
        "resolved": report.within_deadline.n,
        "on_time": report.within_deadline.count,
        "reopened": report.reopened.count,
        "per_service": {
            row.service_id: (row.within_deadline.count, row.within_deadline.n)
            for row in within_deadline_by_service(user=user, filters=filters)
        },
        "steps": durations_over_time(user=user, filters=filters, step=step),
        "volume_steps": volume_by_channel_over_time(user=user, filters=filters, step=step),
        "month_steps": durations_over_time(user=user, filters=filters, step=Step.MONTH),
        "volume_months": volume_by_channel_over_time(user=user, filters=filters, step=Step.MONTH),
        "by_week": volume.by_week,
        "by_month": volume.by_month,
    }


filters_strategy = st.tuples(
    st.integers(0, 2),  # user
    st.sampled_from([0, 31, 59]) | st.integers(0, 70),  # start (the first of a month, or any day)
    st.sampled_from([30, 58, 89]) | st.integers(0, 120),  # length (to a month's end, or any)
    st.none() | st.integers(0, 1),  # service of this type
    st.none() | st.integers(0, 1),  # request type
    st.none() | st.sampled_from(CHANNELS),
    st.none() | st.integers(1, 2),  # assignee
)


# A moment's day before the receipt day (counted when the receipt is inside the period), moved dimensions.
@example(
    versions=[
        (0, 0, Channel.WEB, 0, Status.ANSWERED, 10, (-1, 0), (-2, 0), 5, False),
        (1, 1, Channel.EMAIL, 1, Status.CLOSED, 20, (0, 0), (3, 2), 1, True),
        (1, 0, Channel.PHONE, 2, Status.ANSWERED, 21, (0, 0), (3, 2), 1, True),
    ],
    choices=[(0, 0, 10, None, None, None, None), (0, 0, 9, None, None, None, None), (1, 15, 20, 0, None, None, 2)],
)
# Every boundary of a period made of days, whole months, days: 15 January – 10 March, facts on 14, 15 and 31
# January, 1 February, 1 and 10 March, 11 March.
@example(
    versions=[
        (0, 0, Channel.WEB, 0, Status.RECEIVED, 13, None, None, 5, False),
        (1, 0, Channel.WEB, 0, Status.ANSWERED, 14, (17, 3), (45, 30), 5, False),
        (2, 1, Channel.EMAIL, 1, Status.ANSWERED, 30, (1, 1), (28, 20), 40, True),
        (3, 0, Channel.PHONE, 2, Status.CLOSED, 31, (28, 19), (37, 25), 30, False),
        (4, 1, Channel.WEB, 0, Status.ANSWERED, 59, (9, 7), (10, 8), 2, False),
        (5, 0, Channel.WEB, 0, Status.RECEIVED, 68, None, None, 2, False),
        (6, 0, Channel.WEB, 0, Status.RECEIVED, 69, None, None, 2, False),
    ],
    choices=[(0, 14, 55, None, None, None, None), (0, 31, 58, None, None, None, None)],
)
@given(versions=st.lists(version, min_size=1, max_size=25), choices=st.lists(filters_strategy, min_size=1, max_size=3))
def test_the_counts_give_every_figure_the_facts_give(world, versions, choices):
    _write(world, versions)
    kept = day_counts()
    ticket_facts.counts_rebuild(TicketFacts)
    assert day_counts() == kept  # kept as it happened == rebuilt from the facts
    for user_index, start, length, service, request_type, channel, assignee in choices:
        filters = StatsFilter(
            period=Period(day(start), day(start + length)),
            service=None if service is None else world["types"][service].service,
            request_type=None if request_type is None else world["types"][request_type],
            channel=channel or "",
            assignee=None if assignee is None else world["assignees"][assignee],
        )
        user = world["users"][user_index]
        expected, got = _per_fact(user, filters), _from_counts(user, filters)
        for name in ("total", "by_status", "by_channel", "by_service", "by_request_type", "first_response"):
            assert got[name] == expected[name], name
        for name in ("resolution", "resolved", "on_time", "reopened", "per_service"):
            assert got[name] == expected[name], name
        # The exact hour percentiles: from the histograms and the facts of one bucket (PostgreSQL), sorted
        # facts (a filter no histogram keeps), or every value (SQLite).
        for name in ("first_response_hours", "resolution_hours"):
            assert got[name] == expected[name], name
        assert got["by_day"] == expected["by_day"]
        assert sum(s.resolution.n for s in got["steps"]) == expected["resolved"]
        assert {(start_, channel_): n for start_, counts in got["volume_steps"] for channel_, n in counts.items()} == (
            _by_step(expected["channel_days"], Step.WEEK)
        )
        assert {(start_, channel_): n for start_, counts in got["volume_months"] for channel_, n in counts.items()} == (
            _by_step(expected["channel_days"], Step.MONTH)
        )
        assert _same_steps(got["month_steps"], user, filters)
        assert got["by_week"] == sorted(_by_step(dict(got["by_day"]), Step.WEEK, plain=True).items())
        assert got["by_month"] == sorted(_by_step(dict(got["by_day"]), Step.MONTH, plain=True).items())
        # The key figures of a previous period: the same as in full.
        key = _from_counts(user, filters, full=False)
        for name in ("total", "first_response", "resolution", "resolved", "on_time", "reopened"):
            assert key[name] == got[name], name


def _by_step(counts: dict, step: str, *, plain: bool = False) -> dict:
    """Counts by (day, channel) (or by day: ``plain``) added up by the step of their day."""
    steps: Counter = Counter()
    for key, n in counts.items():
        if plain:
            steps[step_start(key, step)] += n
        else:
            steps[(step_start(key[0], step), key[1])] += n
    return dict(steps)


def _same_steps(steps, user, filters: StatsFilter) -> bool:
    """The monthly series (read from the monthly counts) equals the per-fact working days grouped by month."""
    facts = facts_for_stats(user=user, filters=filters)
    period = filters.period
    for day_field, working_days, attribute in (
        ("resolved_day", "resolution_working_days", "resolution"),
        ("first_response_day", "first_response_working_days", "first_response"),
    ):
        by_month: dict = {}
        cohort = facts.filter(
            **{f"{day_field}__gte": period.start, f"{day_field}__lte": period.end}, received_day__lte=period.end
        )
        for ended, days in cohort.values_list(day_field, working_days):
            by_month.setdefault(step_start(ended, Step.MONTH), Counter())[days] += 1
        for step in steps:
            assert getattr(step, attribute) == working_day_distribution(by_month.get(step.start, Counter())), step
    return True


def test_a_deleted_ticket_takes_its_counts_with_it(world, supervisor):
    from guichet.tickets.services import ticket_delete_expired

    filters = StatsFilter(period=Period(datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)))
    before = ticket_stats(user=supervisor, filters=filters).volume.total
    ticket_delete_expired(ticket=Ticket.objects.get(pk=world["tickets"][0]))
    assert ticket_stats(user=supervisor, filters=filters).volume.total == before - 1
    daily = sum(n for key, n in day_counts().items() if key[0] < ticket_facts.MONTH)
    assert (
        daily
        == TicketFacts.objects.count()
        + TicketFacts.objects.filter(first_response_day__isnull=False).count()
        + TicketFacts.objects.filter(resolved_day__isnull=False).count()
    )


def test_the_data_migration_and_the_command_fill_the_counts_the_services_kept(world, agent):
    import importlib
    import io
    from pathlib import Path

    from django.apps import apps
    from django.core.management import call_command

    from tests.statistics.timeline import change

    tickets = Ticket.objects.filter(pk__in=world["tickets"]).order_by("pk")
    for ticket, status in zip(tickets, [Status.IN_PROGRESS, Status.ANSWERED, Status.REJECTED], strict=False):
        change(ticket, agent, ticket.created_at + datetime.timedelta(days=3), status)
    kept = day_counts()
    # Receipt, first response, resolution (0–2), by month (+10), in 6 grains (+0, +20, +40, +60, +140, +160);
    # the duration histograms of the two moments in 5 grains (+80, +100, +120, +180, +200).
    grains, histogram_grains = (0, 20, 40, 60, 140, 160), (80, 100, 120, 180, 200)
    counts = {grain + month + kind for grain in grains for month in (0, 10) for kind in (0, 1, 2)}
    histograms = {grain + month + kind for grain in histogram_grains for month in (0, 10) for kind in (1, 2)}
    assert {key[0] for key in kept} == counts | histograms

    TicketDayCount.objects.all().delete()
    migrations = Path(__file__).resolve().parents[2] / "guichet" / "tickets" / "migrations"
    for pattern in ("*_ticket_day_counts_fill.py", "*_ticket_day_counts_grains_fill.py"):  # whatever their numbers
        [name] = [path.stem for path in migrations.glob(pattern)]
        importlib.import_module(f"guichet.tickets.migrations.{name}").fill(apps, None)
    assert day_counts() == kept
    # The grains' migration again (interrupted and rerun): the same counts.
    importlib.import_module(f"guichet.tickets.migrations.{name}").fill(apps, None)
    assert day_counts() == kept

    TicketDayCount.objects.all().delete()
    ticket_facts.counts_rebuild(TicketFacts, batch=2)  # several ranges of ids, each adding to the rows there are
    assert day_counts() == kept

    TicketDayCount.objects.update(n=5)
    call_command("rebuild_ticket_facts", "--compteurs", stdout=io.StringIO())
    assert day_counts() == kept


def test_the_ranges_of_ids_start_at_the_first_ticket_there_is(commune, request_type, monkeypatch):
    """Ids start high where tickets were deleted or a sequence moved on (PostgreSQL keeps its sequences across
    rolled-back tests): the ranges begin at the first id, not at zero, so none of them is empty."""
    tickets = [factories.make_ticket(request_type=request_type, citizen=None) for _ in range(7)]
    build_facts()
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:3]]).delete()
    first, last = tickets[3].pk, tickets[-1].pk
    ticket_facts.counts_rebuild(TicketFacts)  # all at once: what the ranges must add up to
    kept = day_counts()
    ranges = []
    fill = ticket_facts._counts_fill
    monkeypatch.setattr(
        ticket_facts,
        "_counts_fill",
        lambda facts, counts, ids, grains: (ranges.append(ids), fill(facts, counts, ids, grains)),
    )

    TicketDayCount.objects.all().delete()
    ticket_facts.counts_rebuild(TicketFacts, batch=2)

    assert ranges == [(low, low + 2) for low in range(first - 1, last, 2)]
    assert ranges[0] == (first - 1, first + 1) and len(ranges) == (last - first) // 2 + 1
    assert day_counts() == kept


def test_a_new_ticket_adds_to_every_grain_in_one_statement_in_the_worker(commune, request_type):
    """The submission's transaction (issue 18) writes no facts nor counts; the worker's task that follows it adds
    the ticket to every grain in one upsert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guichet.tickets.services import ticket_received

    factories.make_ticket(request_type=request_type, citizen=None)  # the commune and the catalogue, cached
    with CaptureQueriesContext(connection) as queries:
        ticket = factories.make_ticket(request_type=request_type, citizen=None)
    assert not [q for q in queries.captured_queries if "ticketdaycount" in q["sql"] or "ticketfacts" in q["sql"]]
    assert not TicketFacts.objects.filter(pk=ticket.pk).exists()
    print(f"\nticket_create: {len(queries)} statements")

    with CaptureQueriesContext(connection) as queries:
        ticket_received.call(ticket.pk, ticket.service_id)
    writes = [q["sql"] for q in queries.captured_queries if "ticketdaycount" in q["sql"].lower()]
    assert len(writes) == 1
    assert TicketFacts.objects.filter(pk=ticket.pk).exists()
    kinds = set(TicketDayCount.objects.filter(service=ticket.service, n__gt=0).values_list("kind", flat=True))
    assert kinds == {0, 10, 20, 30, 40, 50, 60, 70, 140, 150, 160, 170}  # received: 6 grains, by day and month


def test_a_change_before_the_workers_turn_builds_the_facts_and_the_task_adds_nothing(commune, request_type, agent):
    """The worker may reach a new ticket after an agent changed it: the change builds the facts from the timeline
    (the ticket locked), and the task, finding them, counts the ticket no second time."""
    from guichet.tickets.services import ticket_change_status, ticket_received

    ticket = factories.make_ticket(request_type=request_type, citizen=None)
    assert not TicketFacts.objects.filter(pk=ticket.pk).exists()
    ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    ticket_change_status(ticket=ticket, to_status=Status.ANSWERED, actor=agent)
    facts = TicketFacts.objects.filter(pk=ticket.pk).values().get()
    assert facts["first_response_at"] is not None and facts["resolved_at"] is not None
    kept = day_counts()
    ticket_received.call(ticket.pk, ticket.service_id)
    assert TicketFacts.objects.filter(pk=ticket.pk).values().get() == facts
    assert day_counts() == kept
    ticket_facts.counts_rebuild(TicketFacts)
    assert day_counts() == kept


def test_counts_upserted_in_batches_equal_a_rebuild(world, agent, monkeypatch):
    """A change touching more rows than one statement takes goes in batches, each key once."""
    from tests.statistics.timeline import change

    monkeypatch.setattr(ticket_facts, "COUNT_ROWS_PER_STATEMENT", 5)
    for ticket in Ticket.objects.filter(pk__in=world["tickets"]).order_by("pk")[:2]:
        change(ticket, agent, ticket.created_at + datetime.timedelta(days=2), Status.ANSWERED)
    kept = day_counts()
    ticket_facts.counts_rebuild(TicketFacts)
    assert day_counts() == kept
