"""Citizen directory search latency at scale: ``citizens_search`` in-process, PostgreSQL.

Usage (the project's virtualenv):
    .venv/bin/python bench/citizens.py --setup [--citizens 100000]   # recreate the database, seed, measure
    .venv/bin/python bench/citizens.py [--runs 30] [--warmup 3]       # measure the database as it is
    .venv/bin/python bench/citizens.py --explain                      # also EXPLAIN ANALYZE each query

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/guichet_bench_citizens; --setup drops and
recreates that database (its name must contain "bench"), migrates, and bulk-creates the citizens with
their search text, as ``citizens.services`` would write it. Target (issue): well under a second; the
agents type, so p95 should stay within a few tens of milliseconds.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchdb import recreate_database  # bench/ is on sys.path when the script runs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_citizens"
BATCH = 5_000
TOWNS = (
    ("45000", "Orléans"), ("45100", "Orléans"), ("45160", "Olivet"), ("45140", "Saint-Jean-de-la-Ruelle"),
    ("45400", "Fleury-les-Aubrais"), ("45800", "Saint-Jean-de-Braye"), ("45650", "Saint-Jean-le-Blanc"),
    ("45430", "Chécy"), ("45560", "Saint-Denis-en-Val"), ("45770", "Saran"),
)  # fmt: skip
MOBILE_PREFIXES = ("+3360", "+3361", "+3362", "+3364", "+3365", "+3366", "+3367", "+3368", "+3375")


def configure_environment() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def fake_citizen(rng: random.Random):
    from guichet.citizens.models import Citizen, ContactChannel
    from guichet.citizens.services import citizen_search_text, fold_text
    from guichet.demo.management.commands.seed_bench import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS

    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = ""
    if rng.random() < 0.8:
        local = f"{fold_text(first)}.{fold_text(last)}".replace(" ", "-")
        email = f"{local}{rng.randrange(1, 1000)}@{rng.choice(EMAIL_DOMAINS)}"
    phone = ""
    if rng.random() < 0.7 or not email:
        prefix = rng.choice(MOBILE_PREFIXES) if rng.random() < 0.8 else "+33238"
        phone = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
    street, (postcode, city) = "", ("", "")
    if rng.random() < 0.6:
        street, (postcode, city) = f"{rng.randrange(1, 150)} {rng.choice(STREETS)}", rng.choice(TOWNS)
    citizen = Citizen(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        street=street,
        postcode=postcode,
        city=city,
        preferred_channel=ContactChannel.EMAIL if email else ContactChannel.SMS,
    )
    citizen.search_text = citizen_search_text(citizen)
    return citizen


def setup(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from guichet.citizens.models import Citizen

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    for offset in range(0, count, BATCH):
        Citizen.objects.bulk_create([fake_citizen(rng) for _ in range(min(BATCH, count - offset))])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) citizens_citizen")
    print(f"migrate + {count:,} citizens (bulk_create): {time.monotonic() - started:.1f} s", flush=True)


def typical_queries() -> list[tuple[str, str]]:
    """What reception agents type: names (whole, partial, with a typo), numbers in every format, emails, places."""
    from guichet.citizens.models import Citizen
    from guichet.lib.phones import display_phone

    sample = Citizen.objects.exclude(phone="").exclude(email="").filter(phone__startswith="+336").order_by("pk")[500]
    national = display_phone(sample.phone)
    return [
        ("common last name", "martin"),
        ("first name + start of last name", "hélène lef"),
        ("two letters (worst case)", "ma"),
        ("last name with a typo", "lefebre"),
        ("whole mobile, national format", national),
        ("whole mobile, E.164", sample.phone),
        ("start of a mobile, spaced", national[:8]),
        ("exact email", sample.email),
        ("start of an email", sample.email[:9]),
        ("postcode + street word", "45000 pasteur"),
    ]


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def measure(query: str, *, runs: int, warmup: int) -> tuple[list[float], int, list[tuple[str, tuple]]]:
    from django.db import connection

    from guichet.citizens.selectors import citizens_search

    timings: list[float] = []
    queries: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    found = 0
    for run in range(warmup + runs):
        queries.clear()
        with connection.execute_wrapper(record):
            started = time.perf_counter()
            found = len(citizens_search(query=query, limit=10))
            elapsed = (time.perf_counter() - started) * 1000
        if run >= warmup:
            timings.append(elapsed)
    return timings, found, list(queries)


def explain_summary(sql: str, params: tuple, *, verbose: bool) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    if verbose:
        print(f"\n{connection.ops.compose_sql(sql, params)}\n" + "\n".join(plan))
    text = "\n".join(plan)
    uses = sorted(
        {name for name in ("citizens_citizen_search_trgm", "citizens_ci_email", "citizens_ci_phone") if name in text}
    )
    scan = "Seq Scan" if "Seq Scan" in text else "index"
    return f"{scan}: {', '.join(uses) or '-'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="recreate and seed the bench database first")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print every query's EXPLAIN ANALYZE")
    args = parser.parse_args()

    configure_environment()
    if args.setup:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import connection

    from guichet.citizens.models import Citizen

    if connection.vendor != "postgresql":
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
    if args.setup:
        setup(args.citizens)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"\n{connection.settings_dict['NAME']}: {Citizen.objects.count():,} citizens; PostgreSQL {version}")
    print(f"{args.runs} runs per query after {args.warmup} warm-up; citizens_search(limit=10), in-process\n")
    print("| query | typed | p50 ms | p95 ms | results | SQL queries | plan (each query) |")
    print("|---|---|---:|---:|---:|---:|---|")
    for label, query in typical_queries():
        timings, found, queries = measure(query, runs=args.runs, warmup=args.warmup)
        plans = " / ".join(explain_summary(sql, params, verbose=args.explain) for sql, params in queries)
        print(
            f"| {label} | `{query}` | {percentile(timings, 50):.1f} | {percentile(timings, 95):.1f} "
            f"| {found} | {len(queries)} | {plans} |",
            flush=True,
        )
    print_duplicates(runs=args.runs)


def print_duplicates(*, runs: int) -> None:
    """citizen_possible_duplicates on the citizen page, for records with the most common last names."""
    from guichet.citizens.models import Citizen
    from guichet.citizens.selectors import citizen_possible_duplicates

    sample = list(Citizen.objects.exclude(phone="").exclude(email="").order_by("pk")[:runs])
    timings, flagged = [], 0
    for citizen in sample:
        started = time.perf_counter()
        flagged += len(citizen_possible_duplicates(citizen))
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"\ncitizen_possible_duplicates over {len(sample)} citizens: p50 {percentile(timings, 50):.1f} ms, "
        f"p95 {percentile(timings, 95):.1f} ms, {flagged / len(sample):.1f} flagged on average (synthetic names)"
    )


if __name__ == "__main__":
    main()
