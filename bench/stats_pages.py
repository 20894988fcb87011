"""The body of bench/statistics.py (see there). Statistics latency, server side: the pilotage page, /resultats/ and /api/v1/stats/, in-process test Client.

Usage (PostgreSQL and the project's virtualenv):
    .venv/bin/python bench/statistics.py --setup --tickets 1000000   # recreate guichet_bench_stats, seed, measure
    .venv/bin/python bench/statistics.py [--runs 30] [--warmup 3]    # measure the database as it is
    .venv/bin/python bench/statistics.py --explain                   # also list the queries, EXPLAIN the slow ones

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/guichet_bench_stats; --setup drops and recreates
that database (its name must contain "bench"), migrates, runs seed_demo and seed_bench (which writes the
statistics' facts with the tickets). Each request runs the whole middleware stack and renders the whole page.
Targets (issue 14): the pilotage page p95 < 300 ms for 12 months and every filter, as a supervisor and as a
service agent; /resultats/ < 50 ms from cache (measured uncached too).
"""

import argparse
import datetime
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import inbox  # bench/ is on sys.path when the script runs
from benchdb import recreate_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_stats"
AGENT = inbox.AGENT
SUPERVISOR = inbox.SUPERVISOR


@dataclass
class Scenario:
    name: str
    username: str | None  # None: an anonymous visitor
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    clear_cache: bool = False


def scenarios() -> list[Scenario]:
    from django.urls import reverse

    from guichet.catalogue.models import RequestType
    from guichet.organisation.models import Agent, Service
    from guichet.tickets.models import Ticket

    pilotage, results, api = reverse("backoffice:pilotage"), reverse("portal:results"), "/api/v1/stats/"
    agent = Agent.objects.select_related("user").get(user__username=AGENT)
    service = agent.services.order_by("pk").first() or Service.objects.order_by("pk").first()
    assert service is not None
    request_type = RequestType.objects.filter(service=service).order_by("pk").first()
    assignee = Ticket.objects.filter(service=service, assignee__isnull=False).values_list("assignee", flat=True)[:1]
    today = datetime.date.today()
    custom = {"periode": "perso", "du": (today - datetime.timedelta(days=200)).isoformat(), "au": today.isoformat()}
    twelve = {"periode": "12m"}
    return [
        Scenario("pilotage 12 months: supervisor", SUPERVISOR, pilotage, twelve),
        Scenario("pilotage 12 months: service agent", AGENT, pilotage, twelve),
        Scenario(f"pilotage 12 months: supervisor, service {service.name}", SUPERVISOR, pilotage,
                 {**twelve, "service": service.pk}),
        Scenario("pilotage 12 months: supervisor, request type", SUPERVISOR, pilotage,
                 {**twelve, "demarche": request_type.pk if request_type else ""}),
        Scenario("pilotage 12 months: supervisor, channel email", SUPERVISOR, pilotage, {**twelve, "canal": "email"}),
        Scenario("pilotage 12 months: supervisor, agent in charge", SUPERVISOR, pilotage,
                 {**twelve, "agent": assignee[0] if assignee else ""}),
        Scenario("pilotage 12 months: service agent, channel web", AGENT, pilotage, {**twelve, "canal": "web"}),
        Scenario("pilotage custom 200 days: supervisor", SUPERVISOR, pilotage, custom),
        Scenario("pilotage custom 200 days: service agent", AGENT, pilotage, custom),
        Scenario("pilotage 30 days: supervisor", SUPERVISOR, pilotage, {"periode": "30j"}),
        Scenario("/resultats/ from cache", None, results),
        Scenario("/resultats/ uncached", None, results, clear_cache=True),
        Scenario("/api/v1/stats/ 12 months, compared: supervisor", SUPERVISOR, api,
                 {"period": "12m", "compare": "true"}),
        Scenario("/api/v1/stats/ 12 months: service agent", AGENT, api, {"period": "12m"}),
    ]  # fmt: skip


TICKET_COPY_COLUMNS = (
    "channel, status, subject, answers, search_text, version, assignee_id, citizen_id, entered_by_id, "
    "request_type_id, service_id, api_key_id, household_member_id"
)
FACT_COPY_COLUMNS = (
    "channel, status, first_response_seconds, first_response_working_days, resolution_seconds, "
    "resolution_working_days, resolution_paused_days, first_response_paused_days, reopened, paused_seconds, "
    "paused_working_days, assignee_id, request_type_id, service_id"
)


def add_copies(copies: int, shift_days: int, after_id: int) -> None:
    """Copies of the tickets after ``after_id`` (the seeded ones, not the demo's) with their facts, the k-th shifted ``k × shift_days`` later;
    copies that would end in the future are left out. Messages and events are not copied: the statistics read
    the facts, the export reads the tickets and their facts. Then the working days are recounted on the new
    dates (``facts_recount_working_days``) and the tables analysed. Used when seeding 1M with their whole
    timelines does not fit in the time at hand (docs/BENCHMARKS.md, "Statistics")."""
    from django.db import connection

    from guichet.tickets.facts import counts_rebuild, facts_recount_working_days
    from guichet.tickets.models import TicketFacts

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM tickets_ticket")
        last_seeded = cursor.fetchone()[0] or 0
        for k in range(1, copies + 1):
            started = time.monotonic()
            shift = f"interval '{k * shift_days} days'"
            cursor.execute(
                f"""
                CREATE TEMP TABLE copy_ids AS
                SELECT t.id AS old_id, nextval(pg_get_serial_sequence('tickets_ticket', 'id')) AS new_id
                FROM tickets_ticket t JOIN tickets_ticketfacts f ON f.ticket_id = t.id
                WHERE t.id > %s AND t.id <= %s
                  AND GREATEST(t.updated_at, t.created_at, COALESCE(f.resolved_at, t.created_at),
                               COALESCE(f.first_response_at, t.created_at)) + {shift} < now()
            """,
                [after_id, last_seeded],
            )
            cursor.execute(f"""
                INSERT INTO tickets_ticket (id, reference, created_at, updated_at, status_changed_at, closed_at,
                                            due_date, implicit_decision_on, {TICKET_COPY_COLUMNS})
                SELECT c.new_id, lpad(upper(to_hex(c.new_id)), 8, '0') || 'U', created_at + {shift},
                       updated_at + {shift}, status_changed_at + {shift}, closed_at + {shift}, due_date + {shift},
                       implicit_decision_on + {shift}, {TICKET_COPY_COLUMNS}
                FROM tickets_ticket t JOIN copy_ids c ON c.old_id = t.id
            """)
            cursor.execute(f"""
                INSERT INTO tickets_ticketfacts (ticket_id, received_at, received_day, due_date, first_response_at,
                                                 first_response_day, resolved_at, resolved_day, {FACT_COPY_COLUMNS})
                SELECT c.new_id, received_at + {shift}, received_day + {shift}, due_date + {shift},
                       first_response_at + {shift}, first_response_day + {shift}, resolved_at + {shift},
                       resolved_day + {shift}, {FACT_COPY_COLUMNS}
                FROM tickets_ticketfacts f JOIN copy_ids c ON c.old_id = f.ticket_id
            """)
            cursor.execute("SELECT COUNT(*) FROM copy_ids")
            print(f"copy {k}: {cursor.fetchone()[0]:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
            cursor.execute("DROP TABLE copy_ids")
    started = time.monotonic()
    groups = facts_recount_working_days(TicketFacts)
    print(f"working days recounted on the new dates: {groups:,} groups in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    rows = counts_rebuild(TicketFacts)  # the copies' facts were written in SQL: their per-day counts too
    print(f"per-day counts rebuilt: {rows:,} rows in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketfacts", "tickets_ticketdaycount"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def measure(scenario: Scenario, *, runs: int, warmup: int) -> inbox.Result:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    if scenario.username:
        client.force_login(get_user_model().objects.get(username=scenario.username))
    result = inbox.Result(inbox.Scenario(scenario.name, scenario.username or "", scenario.params))
    for i in range(warmup + runs):
        if scenario.clear_cache:
            cache.clear()
        with inbox.recording(result) as stats:
            started = time.perf_counter()
            response = client.get(scenario.url, scenario.params)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{scenario.name}: HTTP {response.status_code} ({response.get('Location', '')})")
        queries, db_ms = stats()
        if i >= warmup:
            result.timings.append(elapsed)
            result.db_timings.append(db_ms)
            result.queries.add(queries)
    return result


def print_table(results: list[inbox.Result]) -> None:
    print("| scenario | p50 ms | p95 ms | max ms | DB ms (p50) | queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        queries = "–".join(str(n) for n in sorted({min(r.queries), max(r.queries)}))
        print(
            f"| {r.scenario.name} | {inbox.percentile(r.timings, 50):.1f} | {inbox.percentile(r.timings, 95):.1f} "
            f"| {max(r.timings):.1f} | {inbox.percentile(r.db_timings, 50):.1f} | {queries} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="recreate and seed the bench database first")
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets to seed with --setup")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this text")
    parser.add_argument("--explain", action="store_true", help="list each query, EXPLAIN ANALYZE the slow ones")
    parser.add_argument("--copies", type=int, default=0, help="add this many copies of the seeded tickets first")
    parser.add_argument("--copy-after-id", type=int, default=0, help="copy the tickets after this id (the demo's)")
    parser.add_argument("--shift-days", type=int, default=0, help="the k-th copy is k × this many days later")
    parser.add_argument("--explain-above", type=float, default=5.0, metavar="MS", help="what --explain calls slow")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("GUICHET_2FA_REQUIRED", "false")  # the supervisor's session is not a second factor's
    inbox.configure_environment()
    if args.setup:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import connection

    if args.setup:
        inbox.setup(args.tickets)
    if args.copies:
        add_copies(args.copies, args.shift_days, args.copy_after_id)
    from guichet.tickets.models import Ticket, TicketDayCount, TicketFacts

    print(
        f"\n{connection.settings_dict['NAME']}: {Ticket.objects.count():,} tickets, "
        f"{TicketFacts.objects.count():,} facts, {TicketDayCount.objects.count():,} per-day counts; "
        f"{inbox.server_settings()}"
    )
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs per scenario after {args.warmup} warm-up; ms\n")
    results = [
        measure(s, runs=args.runs, warmup=args.warmup) for s in scenarios() if args.only.lower() in s.name.lower()
    ]
    print_table(results)
    if args.explain:
        inbox.explain(results, args.explain_above)


if __name__ == "__main__":
    main()
