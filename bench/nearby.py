"""Nearby duplicates and the inbox's map (issue 17), server side, on PostgreSQL.

Usage (the project's virtualenv):
    .venv/bin/python bench/nearby.py --setup --tickets 1000000   # recreate guichet_bench_nearby, seed, measure
    .venv/bin/python bench/nearby.py [--runs 100] [--warmup 10]  # measure the database as it is

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/guichet_bench_nearby (--setup drops and recreates
it: its name must contain "bench"). seed_bench puts the tickets of the place démarches on a few thousand
addresses around GUICHET_MAP_CENTER.
- nearby: ``tickets.nearby.nearby_tickets`` for the point of a random located ticket (what the request form's
  panel and the ticket page's « Doublons probables » run), same type only and the whole service;
- map: GET /agent/carte/demandes.geojson through Django's test client (middleware, session, JSON), for a street
  (400 m), a district (2 km) and the whole commune (8 km) box, as a supervisor (« toutes »).
Targets (issue): nearby p95 < 50 ms, map p95 < 200 ms at 1,000,000 tickets.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import recreate_database  # noqa: E402
from inbox import percentile, server_settings, setup  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guichet_bench_nearby"
SUPERVISOR = "responsable"


def configure() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("GUICHET_2FA_REQUIRED", "false")  # force_login is no second factor
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join({*hosts, "testserver"})


def timed(function, runs: int, warmup: int) -> list[float]:
    timings = []
    for i in range(warmup + runs):
        started = time.perf_counter()
        function(i)
        if i >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def row(name: str, timings: list[float], note: str = "") -> None:
    print(f"| {name} | {percentile(timings, 50):.1f} | {percentile(timings, 95):.1f} | {max(timings):.1f} | {note} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    configure()
    if args.setup:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from guichet.tickets import nearby
    from guichet.tickets.lifecycle import OPEN_STATUSES
    from guichet.tickets.models import Ticket

    if args.setup:
        setup(args.tickets)
    located = Ticket.objects.filter(status__in=sorted(OPEN_STATUSES), latitude__isnull=False)
    print(f"\n{connection.settings_dict['NAME']}: {Ticket.objects.count():,} tickets, {located.count():,} open located")
    print(f"{server_settings()}; {args.runs} runs after {args.warmup} warm-up, ms, server side\n")
    rng = random.Random(17)
    probes = list(located.select_related("request_type").order_by("?")[:200])
    if not probes:
        sys.exit("No open located ticket: seed first (--setup).")
    print("| scenario | p50 ms | p95 ms | max ms | note |\n|---|---:|---:|---:|---|")
    found: list[int] = []

    def nearby_call(same_type_only: bool):
        def call(_i: int) -> None:
            ticket = rng.choice(probes)
            items = nearby.nearby_tickets(
                probe=nearby.probe_of(ticket),
                request_type=ticket.request_type,
                same_type_only=same_type_only,
                exclude_id=ticket.pk,
            )
            found.append(len(items))

        return call

    for same_type_only, name in ((True, "nearby: same type (citizen panel)"), (False, "nearby: service (agent)")):
        found.clear()
        timings = timed(nearby_call(same_type_only), args.runs, args.warmup)
        row(name, timings, f"{sum(found) / len(found):.1f} found on average")

    client = Client()
    client.force_login(get_user_model().objects.get(username=SUPERVISOR))
    url = reverse("backoffice:inbox_map_points")
    centre_lat, centre_lon = (float(value) for value in settings.GUICHET_MAP_CENTER[:2])
    for name, half_metres in (
        ("map: street box 400 m", 200),
        ("map: district 2 km", 1000),
        ("map: commune 8 km", 4000),
    ):
        sizes: list[str] = []

        def map_call(_i: int, half: float = half_metres, sizes: list[str] = sizes) -> None:
            lat = centre_lat + rng.uniform(-1500, 1500) / 111_195
            lon = centre_lon + rng.uniform(-1500, 1500) / 78_000
            dlat, dlon = half / 111_195, half / 78_000
            box = f"{lon - dlon:.6f},{lat - dlat:.6f},{lon + dlon:.6f},{lat + dlat:.6f}"
            response = client.get(url, {"vue": "toutes", "bbox": box})
            assert response.status_code == 200, (response.status_code, response.get("Location"))
            data = response.json()
            sizes.append(f"{'grid' if data['grid'] else 'points'} {len(data['features'])}")

        timings = timed(map_call, args.runs, args.warmup)
        row(name, timings, sizes[-1])


if __name__ == "__main__":
    main()
