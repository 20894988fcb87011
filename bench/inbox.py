"""Back-office inbox latency, server side: Django's test client in-process, no HTTP, no browser.

Usage (PostgreSQL and the project's virtualenv):
    .venv/bin/python bench/inbox.py --setup --tickets 100000   # recreate guichet_bench_inbox, seed, measure
    .venv/bin/python bench/inbox.py [--runs 50] [--warmup 5]   # measure the database as it is
    .venv/bin/python bench/inbox.py --explain                  # also list the queries, EXPLAIN the slow ones

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/guichet_bench_inbox; --setup drops and
recreates that database (its name must contain "bench"), migrates, runs seed_demo and seed_bench.
Each request runs the whole middleware stack (session, user, agent) and renders the full page.
Targets (issue): inbox p95 < 100 ms and search p95 < 300 ms at 1M tickets.
"""

import argparse
import io
import os
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchdb import recreate_database  # bench/ is on sys.path when the script runs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_inbox"
AGENT = "voirie2"  # service agent of Voirie and Propreté, the two busiest services of the demo commune
SUPERVISOR = "responsable"
MESSAGE_WORD = "prestataire"  # in seed_bench's internal notes: about 11 % of the tickets, a frequent word


@dataclass
class Scenario:
    name: str
    username: str
    params: dict[str, Any]


@dataclass
class Result:
    scenario: Scenario
    timings: list[float] = field(default_factory=list)
    db_timings: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    count: str = ""
    page: str = ""
    queries_of_last_run: list[tuple[float, str, Any]] = field(default_factory=list)


def configure_environment() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join({*hosts, "testserver"})
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files are not collected


def setup(tickets: int) -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    print(f"migrate + seed_demo: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    call_command("seed_bench", tickets=tickets)
    print(f"seed_bench --tickets {tickets}: {time.monotonic() - started:.1f} s", flush=True)


def scenarios() -> list[Scenario]:
    from guichet.citizens.models import Citizen
    from guichet.lib.phones import display_phone
    from guichet.tickets.lifecycle import OPEN_STATUSES, Status
    from guichet.tickets.models import Ticket

    # A last name (seed_bench draws among ~80, each on ~1.3 % of citizens) and the mobile number of a
    # citizen with an open ticket (the inbox lists open tickets unless a status is chosen).
    name = Citizen.objects.order_by("pk").values_list("last_name", flat=True).first() or "Martin"
    with_phone = Ticket.objects.filter(status__in=OPEN_STATUSES, citizen__phone__startswith="+336")
    phone = with_phone.order_by("pk").values_list("citizen__phone").first()
    toutes = {"vue": "toutes"}
    return [
        Scenario("agent: mon-service, page 1", AGENT, {}),
        Scenario("supervisor: toutes, page 1", SUPERVISOR, toutes),
        Scenario(
            "supervisor: filtered (2 statuses + web + overdue, by deadline)",
            SUPERVISOR,
            {**toutes, "statut": [Status.RECEIVED, Status.IN_PROGRESS], "canal": "web", "retard": "on"},
        ),
        Scenario("supervisor: toutes, page 50", SUPERVISOR, {**toutes, "page": 50}),
        Scenario(
            "supervisor: closed, most recent, page 50",
            SUPERVISOR,
            {**toutes, "statut": Status.CLOSED, "tri": "recentes", "page": 50},
        ),
        Scenario(f"agent: search last name «{name}»", AGENT, {"q": name}),
        Scenario(f"supervisor: search last name «{name}»", SUPERVISOR, {**toutes, "q": name}),
        Scenario(
            f"supervisor: search «{name}», all statuses", SUPERVISOR, {**toutes, "q": name, "statut": Status.values}
        ),
        Scenario(f"supervisor: search word «{MESSAGE_WORD}»", SUPERVISOR, {**toutes, "q": MESSAGE_WORD}),
        Scenario(
            f"supervisor: search phone «{display_phone(phone[0]) if phone else '-'}»",
            SUPERVISOR,
            {**toutes, "q": display_phone(phone[0]) if phone else "0600000000"},
        ),
    ]


@contextmanager
def recording(result: Result) -> Iterator[Callable[[], tuple[int, float]]]:
    """Count the queries of one request and the time spent in the database."""
    from django.db import connection

    calls: list[tuple[float, str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            calls.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(wrapper):
        yield lambda: (len(calls), sum(ms for ms, _, _ in calls))
    result.queries_of_last_run = calls


def measure(scenario: Scenario, *, runs: int, warmup: int) -> Result:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(username=scenario.username))
    url = reverse("backoffice:inbox")
    result = Result(scenario)
    for i in range(warmup + runs):
        with recording(result) as stats:
            started = time.perf_counter()
            response = client.get(url, scenario.params)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{scenario.name}: HTTP {response.status_code} ({response.get('Location', '')})")
        queries, db_ms = stats()
        if i >= warmup:
            result.timings.append(elapsed)
            result.db_timings.append(db_ms)
            result.queries.add(queries)
    text = response.content.decode()
    if match := re.search(r'inbox__count">\s*([\d\s\u202f\xa0]+)', text):
        result.count = re.sub(r"\D", "", match.group(1))
    if match := re.search(r"Page (\d+) sur (\d+)", text):
        result.page = f"{match.group(1)}/{match.group(2)}"
    return result


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def print_table(results: list[Result]) -> None:
    print("| scenario | p50 ms | p95 ms | max ms | DB ms (p50) | queries | matching | page |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        # One more query every 30 s when the per-process Commune row expires (organisation.models).
        queries = "–".join(str(n) for n in sorted({min(r.queries), max(r.queries)}))
        print(
            f"| {r.scenario.name} | {percentile(r.timings, 50):.1f} | {percentile(r.timings, 95):.1f} "
            f"| {max(r.timings):.1f} | {percentile(r.db_timings, 50):.1f} | {queries} | {r.count} | {r.page} |"
        )


def explain(results: list[Result], above_ms: float) -> None:
    from django.db import connection

    for r in results:
        print(f"\n## {r.scenario.name}: the queries of the last run")
        for ms, sql, _ in r.queries_of_last_run:
            print(f"{ms:8.1f} ms  {' '.join(sql.split())[:150]}")
        for ms, sql, params in sorted(r.queries_of_last_run, key=lambda c: -c[0]):
            if ms < above_ms:
                break
            print(f"\n### {r.scenario.name}: {ms:.1f} ms\n{connection.ops.compose_sql(sql, params)}\n")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))


def server_settings() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.vendor
    names = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit")
    with connection.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="recreate and seed the bench database first")
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets to seed with --setup")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this text")
    parser.add_argument("--explain", action="store_true", help="list each query, EXPLAIN ANALYZE the slow ones")
    parser.add_argument("--explain-above", type=float, default=5.0, metavar="MS", help="what --explain calls slow")
    args = parser.parse_args()

    configure_environment()
    if args.setup:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import connection

    if args.setup:
        setup(args.tickets)
    from guichet.tickets.models import Ticket

    print(f"\n{connection.settings_dict['NAME']}: {Ticket.objects.count():,} tickets; {server_settings()}")
    print(f"{args.runs} runs per scenario after {args.warmup} warm-up; times in ms, server side\n")
    results = [
        measure(s, runs=args.runs, warmup=args.warmup) for s in scenarios() if args.only.lower() in s.name.lower()
    ]
    print_table(results)
    if args.explain:
        explain(results, args.explain_above)


if __name__ == "__main__":
    main()
