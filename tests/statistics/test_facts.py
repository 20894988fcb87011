"""The per-ticket facts (tickets.facts) against the timeline they summarise.

A random history is driven through the real services; then (1) the facts kept as it happened equal the facts
rebuilt from the events, and (2) every figure of the statistics (read from the facts) equals a straightforward
recomputation from the events, written here from docs/METRICS.md without the facts code.
"""

import datetime
import io
import math
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.organisation.models import ClosureDay, Commune
from guichet.statistics.figures import WORKING_DAY_BUCKETS, bucket_counts, percentile_disc
from guichet.statistics.filters import Period, StatsFilter, tickets_for_stats
from guichet.statistics.metrics import ticket_stats
from guichet.statistics.public import public_results
from guichet.statistics.series import Step, durations_over_time, within_deadline_by_service
from guichet.tickets import facts as ticket_facts
from guichet.tickets.lifecycle import TRANSITIONS, Channel, Status
from guichet.tickets.models import Event, EventKind, Ticket, TicketFacts
from guichet.tickets.services import citizen_can_reply
from guichet.tickets.tasks import recount_ticket_facts
from tests import factories
from tests.statistics.timeline import at, change, citizen_reply, paris, received, reply

pytestmark = pytest.mark.django_db

RESPONSES = {Status.ANSWERED, Status.CLOSED, Status.REJECTED}
RESOLUTIONS = {Status.ANSWERED, Status.CLOSED}
COLUMNS = [f.attname for f in TicketFacts._meta.concrete_fields]


def _history(rng: random.Random, types, agent) -> list[Ticket]:
    """Forty tickets from March to June 2026, each with up to six random actions hours or days apart."""
    tickets = []
    for _ in range(40):
        moment = paris(3, 1, 8) + datetime.timedelta(hours=rng.uniform(0, 24 * 110))
        ticket = received(rng.choice(types), moment, channel=rng.choice([Channel.WEB, Channel.EMAIL, Channel.PHONE]))
        for _ in range(rng.randint(0, 6)):
            moment += datetime.timedelta(hours=rng.uniform(0.5, 24 * 8))
            ticket.refresh_from_db()
            targets = sorted(TRANSITIONS[ticket.status])
            action = rng.choice(["reply", "reply_status", "note", "status", "citizen"])
            if action == "reply":
                reply(ticket, agent, moment)
            elif action == "reply_status":
                reply(ticket, agent, moment, new_status=rng.choice(targets))
            elif action == "note":
                reply(ticket, agent, moment, internal=True)
            elif action == "citizen" and citizen_can_reply(ticket, now=moment):
                citizen_reply(ticket, moment)
            elif action == "status":
                change(ticket, agent, moment, rng.choice(targets))
        tickets.append(ticket)
    return tickets


@pytest.fixture
def history(commune, request_type, agent, other_service, supervisor):
    ClosureDay.objects.create(date=datetime.date(2026, 4, 15), label="Fermeture")
    other_type = factories.RequestTypeFactory(service=other_service, name="Acte de naissance")
    return _history(random.Random(14), [request_type, request_type, other_type], agent)


def _facts_rows() -> list[dict[str, Any]]:
    return list(TicketFacts.objects.order_by("pk").values(*COLUMNS))


# A recomputation from the events, by the words of docs/METRICS.md. -------------------------------------


def _seconds(moment: datetime.datetime) -> int:
    return math.floor(moment.timestamp())


def _timeline(ticket: Ticket) -> dict[str, Any]:
    calendar = Commune.current().calendar
    events = list(ticket.events.order_by("created_at", "pk"))
    changes = [e for e in events if e.kind == EventKind.STATUS_CHANGED]

    def paused(moment: datetime.datetime) -> tuple[int, int]:
        seconds = days = 0
        for end in changes:
            if end.from_status != Status.AWAITING_CITIZEN or end.created_at > moment:
                continue
            starts = [c for c in changes if c.to_status == Status.AWAITING_CITIZEN and c.created_at <= end.created_at]
            seconds += _seconds(end.created_at) - _seconds(starts[-1].created_at)
            days += int(end.data.get("due_date_extended_by", 0))
        return seconds, days

    def measure(moment: datetime.datetime | None) -> dict[str, Any] | None:
        if moment is None:
            return None
        seconds, days = paused(moment)
        received_day, day = timezone.localdate(ticket.created_at), timezone.localdate(moment)
        return {
            "day": day,
            "at": moment,
            "seconds": _seconds(moment) - _seconds(ticket.created_at) - seconds,
            "days": max(0, calendar.working_days_between(received_day, day) - days),
        }

    response = next(
        (e for e in events if e.kind == EventKind.AGENT_REPLY or (e in changes and e.to_status in RESPONSES)), None
    )
    resolution = next((e for e in changes if e.to_status in RESOLUTIONS), None)
    return {
        "ticket": ticket,
        "received_day": timezone.localdate(ticket.created_at),
        "first_response": measure(response.created_at if response else None),
        "resolution": measure(resolution.created_at if resolution else None),
        "reopened": any(c.from_status in RESOLUTIONS and c.to_status == Status.IN_PROGRESS for c in changes),
    }


def _expected(user, filters: StatsFilter) -> dict[str, Any]:
    period = filters.period
    rows = [_timeline(t) for t in tickets_for_stats(user=user, filters=filters)]
    in_period = [r for r in rows if period.start <= r["received_day"] <= period.end]
    expected: dict[str, Any] = {
        "total": len(in_period),
        "by_day": sorted(Counter(r["received_day"] for r in in_period).items()),
        "by_channel": dict(Counter(r["ticket"].channel for r in in_period)),
        "by_status": dict(Counter(r["ticket"].status for r in in_period)),
        "by_service": dict(Counter(r["ticket"].service_id for r in in_period)),
    }
    for name in ("first_response", "resolution"):
        cohort = [
            r[name]
            for r in rows
            if r[name] and period.start <= r[name]["day"] <= period.end and r["received_day"] <= period.end
        ]
        days, seconds = Counter(m["days"] for m in cohort), Counter(m["seconds"] for m in cohort)
        expected[name] = {
            "n": len(cohort),
            "days": (percentile_disc(days, 0.5), percentile_disc(days, 0.9), bucket_counts(days)),
            "hours": tuple(
                None if s is None else max(0, s) / 3600
                for s in (percentile_disc(seconds, 0.5), percentile_disc(seconds, 0.9))
            ),
        }
    resolved = [
        r
        for r in rows
        if r["resolution"] and period.start <= r["resolution"]["day"] <= period.end and r["received_day"] <= period.end
    ]
    expected["on_time"] = (sum(r["resolution"]["day"] <= r["ticket"].due_date for r in resolved), len(resolved))
    expected["reopened"] = (sum(r["reopened"] for r in resolved), len(resolved))
    return expected


def _actual(user, filters: StatsFilter) -> dict[str, Any]:
    report = ticket_stats(user=user, filters=filters)
    actual: dict[str, Any] = {
        "total": report.volume.total,
        "by_day": report.volume.by_day,
        "by_channel": report.volume.by_channel,
        "by_status": report.volume.by_status,
        "by_service": {pk: n for pk, _, n in report.volume.by_service},
    }
    for name, durations in (("first_response", report.first_response), ("resolution", report.resolution)):
        days = durations.working_days
        actual[name] = {
            "n": days.n,
            "days": (days.median, days.p90, days.buckets or dict.fromkeys((b for b, _ in WORKING_DAY_BUCKETS), 0)),
            "hours": (durations.hours.median, durations.hours.p90),
        }
        assert durations.hours.n == days.n
    actual["on_time"] = (report.within_deadline.count, report.within_deadline.n)
    actual["reopened"] = (report.reopened.count, report.reopened.n)
    return actual


PERIODS = [
    Period(datetime.date(2026, 3, 1), datetime.date(2026, 8, 31)),
    Period(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
    Period(datetime.date(2026, 5, 10), datetime.date(2026, 6, 20)),
]


def test_the_facts_kept_as_it_happened_equal_the_facts_rebuilt_from_the_timeline(history):
    kept = _facts_rows()
    assert len(kept) == 40
    assert any(row["paused_working_days"] for row in kept)  # the history has waits, reopenings and resolutions
    assert any(row["reopened"] for row in kept)
    assert ticket_facts.facts_rebuild(TicketFacts) == 40
    assert _facts_rows() == kept


@pytest.mark.parametrize("period", PERIODS)
def test_every_figure_equals_a_recomputation_from_the_timeline(history, agent, supervisor, request_type, period):
    for user, filters in (
        (supervisor, StatsFilter(period=period)),
        (agent, StatsFilter(period=period)),
        (supervisor, StatsFilter(period=period, request_type=request_type)),
        (supervisor, StatsFilter(period=period, channel=Channel.EMAIL)),
    ):
        assert _actual(user, filters) == _expected(user, filters)


def test_series_and_public_results_agree_with_the_report(history, supervisor):
    period = PERIODS[0]
    report = ticket_stats(user=supervisor, filters=StatsFilter(period=period))
    steps = durations_over_time(user=supervisor, filters=StatsFilter(period=period), step=Step.MONTH)
    assert sum(step.resolution.n for step in steps) == report.resolution.working_days.n
    services = within_deadline_by_service(user=supervisor, filters=StatsFilter(period=period))
    assert sum(s.within_deadline.count for s in services) == report.within_deadline.count


def test_the_public_results_cost_the_same_queries_whatever_the_catalogue(history, other_service):
    today = datetime.date(2026, 7, 31)
    public_results(today=today)
    with CaptureQueriesContext(connection) as before:
        first = public_results(today=today)
    for name in ("Permis de construire", "Débit de boissons", "Cimetière"):
        factories.RequestTypeFactory(service=other_service, name=name)
    with CaptureQueriesContext(connection) as after:
        second = public_results(today=today)
    assert len(before) == len(after) == 5
    assert [s.total for s in first.services] == [s.total for s in second.services]
    # Each service's total is its cells merged: the same counts as its tickets of the last 12 months.
    period = Period.from_preset("12m", today=today)
    for service in second.services:
        received = Ticket.objects.filter(
            service__name=service.name, created_at__date__gte=period.start, request_type__is_active=True
        )
        assert service.total.received == received.count()


def test_a_closure_day_added_later_is_counted_once_the_worker_recounts(history, supervisor):
    filters = StatsFilter(period=PERIODS[0])
    day = datetime.date(2026, 4, 22)
    assert Event.objects.filter(kind=EventKind.STATUS_CHANGED).exists()
    closure = ClosureDay.objects.create(date=day, label="Pont")
    queued = "guichet.tickets.tasks.recount_ticket_facts"
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path=queued).exists()
    stale = _facts_rows()
    assert recount_ticket_facts.call() > 0
    assert _facts_rows() != stale
    assert _actual(supervisor, filters) == _expected(supervisor, filters)
    recounted = _facts_rows()
    ticket_facts.facts_rebuild(TicketFacts)
    assert _facts_rows() == recounted
    closure.delete()  # and back
    recount_ticket_facts.call()
    assert _facts_rows() == stale


def test_a_ticket_without_facts_gets_them_from_its_timeline_at_its_next_change(history, agent):
    ticket = next(t for t in history if Ticket.objects.get(pk=t.pk).status in (Status.RECEIVED, Status.IN_PROGRESS))
    TicketFacts.objects.filter(pk=ticket.pk).delete()
    change(ticket, agent, paris(8, 3), Status.ANSWERED)
    kept = TicketFacts.objects.filter(pk=ticket.pk).values(*COLUMNS).get()
    ticket_facts.facts_rebuild(TicketFacts, ticket_ids=[ticket.pk])
    assert TicketFacts.objects.filter(pk=ticket.pk).values(*COLUMNS).get() == kept
    assert kept["resolved_day"] == datetime.date(2026, 8, 3)


MIGRATIONS = Path(__file__).resolve().parents[2] / "guichet" / "tickets" / "migrations"


def test_the_data_migration_fills_the_facts_of_existing_tickets(history):
    import importlib

    from django.apps import apps

    kept = _facts_rows()
    TicketFacts.objects.all().delete()
    [name] = [path.stem for path in MIGRATIONS.glob("*_ticket_facts_fill.py")]  # whatever its number
    importlib.import_module(f"guichet.tickets.migrations.{name}").fill(apps, None)
    assert _facts_rows() == kept


def test_seed_bench_writes_the_facts_its_timeline_gives():
    call_command("seed_bench", tickets=300, batch=120, verbosity=0, stdout=io.StringIO())
    seeded = _facts_rows()
    assert len(seeded) == 300
    assert any(row["resolution_seconds"] for row in seeded)
    assert any(row["paused_working_days"] for row in seeded)
    ticket_facts.facts_rebuild(TicketFacts)
    assert _facts_rows() == seeded


def test_moments_are_recorded_at_the_instant_of_their_event(commune, request_type, agent):
    with at(paris(5, 4, 10)):
        ticket = factories.make_ticket(request_type=request_type, citizen=None)
    reply(ticket, agent, paris(5, 5, 11, 30), new_status=Status.ANSWERED)
    facts = TicketFacts.objects.get(pk=ticket.pk)
    assert facts.first_response_at == facts.resolved_at == paris(5, 5, 11, 30)
    assert (facts.first_response_seconds, facts.first_response_working_days) == (25 * 3600 + 1800, 1)
