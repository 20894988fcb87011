"""How long schema changes on the tickets table take, and how long a citizen's write waits meanwhile.

Usage (a database filled by ``seed_bench``; every change is rolled back or dropped afterwards):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guichet_bench python bench/migration_locks.py

For each statement (the kinds tests/test_online_migrations.py refuses or allows): its duration, and the wait of
an ``UPDATE`` of one ticket started 50 ms after it, on another connection — what a citizen's reply would wait.
"""

import os
import threading
import time

import psycopg

STATEMENTS = [
    ("ADD COLUMN nullable", ["ALTER TABLE tickets_ticket ADD COLUMN bench_a text NULL"]),
    ("ADD COLUMN constant default", ["ALTER TABLE tickets_ticket ADD COLUMN bench_b integer DEFAULT 0 NOT NULL"]),
    (
        "ADD COLUMN default + CHECK (PositiveIntegerField)",
        ["ALTER TABLE tickets_ticket ADD COLUMN bench_c integer DEFAULT 0 NOT NULL CHECK (bench_c >= 0)"],
    ),
    ("ADD CONSTRAINT CHECK", ["ALTER TABLE tickets_ticket ADD CONSTRAINT bench_d CHECK (version >= 0)"]),
    (
        "ADD CONSTRAINT CHECK NOT VALID",
        ["ALTER TABLE tickets_ticket ADD CONSTRAINT bench_e CHECK (version >= 0) NOT VALID"],
    ),
    ("CREATE INDEX", ["CREATE INDEX bench_f ON tickets_ticket (updated_at, status)"]),
    ("ALTER COLUMN TYPE integer → bigint (rewrite)", ["ALTER TABLE tickets_ticket ALTER COLUMN version TYPE bigint"]),
]
CONCURRENT = ("CREATE INDEX CONCURRENTLY", "CREATE INDEX CONCURRENTLY bench_g ON tickets_ticket (updated_at, status)")
VALIDATE = "ALTER TABLE tickets_ticket VALIDATE CONSTRAINT bench_e"


def writer_wait(url: str, ticket_id: int, started: threading.Event, out: list[float]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        started.wait()
        time.sleep(0.05)
        t0 = time.perf_counter()
        conn.execute("UPDATE tickets_ticket SET updated_at = updated_at WHERE id = %s", [ticket_id])
        out.append(time.perf_counter() - t0)


def measure(url: str, ticket_id: int, label: str, run) -> None:
    started, waits = threading.Event(), []
    thread = threading.Thread(target=writer_wait, args=(url, ticket_id, started, waits))
    thread.start()
    t0 = time.perf_counter()
    started.set()
    run()
    duration = time.perf_counter() - t0
    thread.join()
    print(f"| {label} | {duration * 1000:,.0f} ms | {waits[0] * 1000:,.0f} ms |")


def run_and_roll_back(conn: psycopg.Connection, sqls: list[str]) -> None:
    for sql in sqls:
        conn.execute(sql)
    conn.rollback()


def main() -> None:
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        count, ticket_id = conn.execute("SELECT count(*), min(id) FROM tickets_ticket").fetchone()
        conn.execute("VACUUM ANALYZE tickets_ticket")
    print(f"{count:,} tickets\n\n| statement | duration | a write to one ticket waited |\n|---|---|---|")
    for label, sqls in STATEMENTS:
        # One transaction, as a migration's, rolled back at its end: the locks last until then.
        with psycopg.connect(url) as conn:
            measure(url, ticket_id, label, lambda conn=conn, sqls=sqls: run_and_roll_back(conn, sqls))
    with psycopg.connect(url, autocommit=True) as conn:
        measure(url, ticket_id, CONCURRENT[0], lambda: conn.execute(CONCURRENT[1]))
        conn.execute("DROP INDEX bench_g")
        conn.execute(STATEMENTS[4][1][0])
        measure(url, ticket_id, "VALIDATE CONSTRAINT (after NOT VALID)", lambda: conn.execute(VALIDATE))
        conn.execute("ALTER TABLE tickets_ticket DROP CONSTRAINT bench_e")


if __name__ == "__main__":
    main()
