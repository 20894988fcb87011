"""A large CSV export through the worker's path, timed, with the peak memory of the process that builds it.

Usage (PostgreSQL, after ``bench/statistics.py --setup --tickets 1000000`` or on any seeded bench database):
    .venv/bin/python bench/export.py                 # every ticket of the database, CSV, as the supervisor
    .venv/bin/python bench/export.py --format xlsx   # the other formats, for comparison
    .venv/bin/python bench/export.py --profile       # where the task's time goes (cProfile, top functions)

The export is requested as the statistics page does (``export_request``, source "statistics", a period
covering every ticket): it is large, so it is queued. Its task (``build_export``, what ``db_worker`` runs) then
runs in a child process of its own; the peak resident memory of that child is its ``VmHWM`` (read by the
child at the end) and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (read here). Targets (issue 14): 1,000,000
rows in < 60 s, worker below 200 MB.
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import inbox  # bench/ is on sys.path when the script runs

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_stats"
ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
import django
django.setup()
from guichet.exports.services import build_export
from guichet.exports.models import Export
started = time.perf_counter()
if {profile}:
    import cProfile, pstats
    profiler = cProfile.Profile()
    profiler.runcall(build_export.call, {export_id})
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(18)
else:
    build_export.call({export_id})
elapsed = time.perf_counter() - started
export = Export.objects.get(pk={export_id})
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{{export.status}} {{export.row_count}} {{export.file.size}} {{elapsed:.2f}} {{hwm}}")
export.file.delete()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx", "ods"))
    parser.add_argument("--user", default=inbox.SUPERVISOR)
    parser.add_argument("--profile", action="store_true", help="cProfile the task (slower), the top functions")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    inbox.configure_environment()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Min

    from guichet.exports.models import ExportStatus
    from guichet.exports.services import export_request
    from guichet.exports.statistics_source import SOURCE
    from guichet.tickets.models import Ticket

    user = get_user_model().objects.get(username=args.user)
    first = Ticket.objects.aggregate(first=Min("created_at"))["first"]
    start = (first.date() if first else datetime.date.today()) - datetime.timedelta(days=1)
    filters = {"debut": [start.isoformat()], "fin": [datetime.date.today().isoformat()]}
    started = time.perf_counter()
    export = export_request(user=user, source=SOURCE, filters=filters, format=args.format, separator=";")
    requested = time.perf_counter() - started
    if export.status != ExportStatus.QUEUED:
        sys.exit(f"{export.row_count} rows: small enough to stream, not a worker export")
    print(f"{Ticket.objects.count():,} tickets; export of {export.row_count:,} rows requested in {requested:.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), export_id=export.pk, profile=args.profile)],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    wall = time.perf_counter() - started
    if child.returncode:
        sys.exit(child.stderr)
    if args.profile:
        print(child.stderr)
    status, rows, size, elapsed, hwm_kb = child.stdout.split()[-5:]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("| format | rows | file MB | task s | process s | peak RSS (VmHWM) MB | ru_maxrss MB | status |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {args.format} | {int(rows):,} | {int(size) / 1e6:.1f} | {float(elapsed):.1f} | {wall:.1f} "
        f"| {int(hwm_kb) / 1024:.0f} | {peak / 1024:.0f} | {status} |"
    )


if __name__ == "__main__":
    main()
