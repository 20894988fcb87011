"""Issue 16's "done when": past the policy, the job leaves no seeded name, email, phone or address anywhere —
database (every column of every table, read back by introspection), media storage, search text — while the
statistics stay byte-identical, held tickets stay as they were and a dry run changes nothing."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from guichet.api.models import Scope
from guichet.citizens.models import Citizen
from guichet.lib.text import fold
from guichet.retention.job import apply_retention
from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.metrics import ticket_backlog, ticket_stats
from guichet.tickets.models import Event, EventKind, Ticket
from tests.api.rest.conftest import client_with_key, key_for
from tests.retention.conftest import NEEDLES
from tests.s3 import S3Bucket, stored_names

pytestmark = pytest.mark.django_db


def database_dump() -> dict[str, list[tuple]]:
    """Every row of every table, as the database returns it."""
    dump = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the introspection)
            dump[table] = sorted(tuple(str(value) for value in row) for row in cursor.fetchall())
    return dump


def found_in_database(dump: dict[str, list[tuple]], skip_ticket_ids=()) -> list[str]:
    found = []
    for table, rows in dump.items():
        for row in rows:
            text = fold(" ".join(row))
            found += [f"{table}: {needle!r} in {row[:4]}" for needle in NEEDLES if fold(needle) in text]
    return found


def media_files() -> set[str]:
    return stored_names()  # through the storage API: the disk or the S3 bucket


def statistics_output(supervisor, api_client) -> tuple[str, bytes]:
    today = timezone.localdate()
    period = Period(start=today - datetime.timedelta(days=30), end=today)
    figures = ticket_stats(user=supervisor, filters=StatsFilter(period=period))
    backlog = ticket_backlog(user=supervisor, filters=StatsFilter(period=period), now=timezone.now())
    response = api_client.get("/api/v1/stats/", {"period": "perso", "start": period.start, "end": period.end})
    assert response.status_code == 200
    return repr((figures, backlog)), response.content


def test_past_the_policy_nothing_personal_is_left_and_statistics_are_identical(
    any_storage, seeded, supervisor, later, django_capture_on_commit_callbacks
):
    held_files = {a.file.name for a in seeded.held.attachments.all()}
    held_before = Ticket.objects.filter(pk=seeded.held.pk).values().get()
    api = client_with_key(key_for(supervisor, [Scope.STATS_READ]))
    stats_before = statistics_output(supervisor, api)
    before = database_dump()
    assert found_in_database(before), "the seeds must be findable before"

    # A dry run, even past the policy, changes nothing.
    report = apply_retention(now=later, dry_run=True)
    assert sum(report.anonymised.values()) == 4 and report.held == 1
    assert database_dump() == before

    with django_capture_on_commit_callbacks(execute=True):  # the files go once each ticket has committed
        report = apply_retention(now=later)
    assert sum(report.anonymised.values()) == 4 and report.held == 1 and report.failed == 0

    leftovers = found_in_database(database_dump())
    assert leftovers == []
    assert media_files() == held_files  # only the held ticket's files remain
    if isinstance(any_storage, S3Bucket):
        assert any_storage.keys() == held_files
    assert not Citizen.objects.exclude(last_name="Lagaffe").exists()  # no ticket left, no account: deleted
    assert statistics_output(supervisor, api) == stats_before
    assert Ticket.objects.filter(pk=seeded.held.pk).values().get() == held_before
    for ticket in (seeded.web, seeded.phone, seeded.email, seeded.mail):
        event = Event.objects.get(ticket=ticket, kind=EventKind.ANONYMISED)
        assert event.actor is None and set(event.data) == {"policy"}

    # Run again: nothing left to do.
    again = apply_retention(now=later)
    assert sum(again.anonymised.values()) == 0


def test_before_the_policy_nothing_changes(seeded):
    before = database_dump()
    report = apply_retention()
    assert sum(report.anonymised.values()) == 0
    after = database_dump()
    changed = {table for table in before if before[table] != after[table]}
    assert changed <= {"notifications_notification", "django_tasks_database_dbtaskresult"}  # the notices only
