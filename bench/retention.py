"""The retention job at scale: anonymising N closed tickets on PostgreSQL, one transaction per ticket.

Usage (the project's virtualenv):
    .venv/bin/python bench/retention.py --setup [--seed-tickets 125000] [--tickets 100000]
    .venv/bin/python bench/retention.py --tickets 10000       # on the database as it is (until it runs out)
    .venv/bin/python bench/retention.py --tickets 2000 --profile   # the queries per ticket, where the time goes

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/guichet_bench_retention; --setup drops and
recreates that database (its name must contain "bench"), migrates, runs seed_demo and seed_bench. The commune's
policy is then set to one month, so that nearly every closed ticket of seed_bench's three years has expired, and
``apply_retention(limit=N)`` runs as the daily job does (a dry run first, timed too). Prints the time and rate.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

from benchdb import recreate_database  # bench/ is on sys.path when the script runs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_retention"


def configure_environment() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("GUICHET_RETENTION_NOTICE_DAYS", "0")  # the notices are not what is measured


def setup(tickets: int) -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_bench", tickets=tickets)
    print(f"migrate + seed_demo + seed_bench --tickets {tickets}: {time.monotonic() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help="recreate and seed the bench database first")
    parser.add_argument("--seed-tickets", type=int, default=125_000)
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets to anonymise in this run")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="cProfile the run, count the queries per ticket")
    args = parser.parse_args()

    configure_environment()
    if args.setup:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import connection

    from guichet.organisation.models import Commune
    from guichet.retention.job import apply_retention
    from guichet.tickets.models import Ticket

    if connection.vendor != "postgresql":
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
    if args.setup:
        setup(args.seed_tickets)
    commune = Commune.current()
    commune.retention_months = 1
    commune.save(update_fields=["retention_months"])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}, {Ticket.objects.count()} tickets", flush=True)

    started = time.monotonic()
    dry = apply_retention(dry_run=True, limit=args.tickets)
    print(f"dry run: {sum(dry.anonymised.values())} to anonymise, {time.monotonic() - started:.1f} s", flush=True)

    done = 0

    def progress(line: str) -> None:
        nonlocal done
        done = int(line.split()[0])
        if done % 10_000 < args.batch:
            elapsed = time.monotonic() - started
            print(f"  {done} tickets in {elapsed:.0f} s ({done / elapsed:.0f}/s)", flush=True)

    queries: dict[str, int] = {}

    def count(execute, sql, params, many, context):
        kind = sql.split(None, 1)[0].upper() if sql else "?"
        table = next((word for word in sql.split() if word.startswith('"') and "_" in word), "")
        key = f"{kind} {table.split('.')[0]}"
        queries[key] = queries.get(key, 0) + 1
        return execute(sql, params, many, context)

    started = time.monotonic()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        with connection.execute_wrapper(count):
            report = profiler.runcall(apply_retention, limit=args.tickets, batch=args.batch, progress=progress)
    else:
        report = apply_retention(limit=args.tickets, batch=args.batch, progress=progress)
    elapsed = time.monotonic() - started
    total = sum(report.anonymised.values())
    print(f"anonymised {total} tickets in {elapsed:.1f} s: {total / elapsed:.0f} tickets/s, failed {report.failed}")
    print(f"citizen records deleted: {report.citizens}, orphan files: {report.files}")
    if args.profile and total:
        print(f"\nqueries: {sum(queries.values())} ({sum(queries.values()) / total:.1f} per ticket), by statement:")
        for key, n in sorted(queries.items(), key=lambda item: -item[1])[:25]:
            print(f"  {n / total:6.2f} per ticket  {key}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
