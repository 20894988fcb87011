"""AddIndexOnline / RemoveIndexOnline: CONCURRENTLY on PostgreSQL outside a transaction, a plain index on SQLite."""

import pytest
from django.apps import apps as global_apps
from django.db import NotSupportedError, connection, models
from django.db.migrations.state import ProjectState

from guichet.lib.online_migrations import AddCheckOnline, AddIndexOnline, RemoveIndexOnline

pytestmark = pytest.mark.django_db(transaction=True)

INDEX = models.Index(fields=["updated_at", "status"], name="ticket_online_test_idx")


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "tickets_ticket"))


def test_an_index_is_added_and_removed_outside_a_transaction():
    before = ProjectState.from_apps(global_apps)
    after = before.clone()
    add = AddIndexOnline("ticket", INDEX)
    add.state_forwards("tickets", after)
    with connection.schema_editor(atomic=False, collect_sql=True) as printer:
        add.database_forwards("tickets", printer, before, after)
    expected = "CREATE INDEX CONCURRENTLY" if connection.vendor == "postgresql" else "CREATE INDEX"
    assert any(sql.startswith(expected) for sql in printer.collected_sql), printer.collected_sql

    with connection.schema_editor(atomic=False) as editor:
        add.database_forwards("tickets", editor, before, after)
    assert "ticket_online_test_idx" in indexes()
    if connection.vendor == "postgresql":
        with connection.schema_editor(atomic=False) as editor:
            add.database_forwards("tickets", editor, before, after)  # again: a failed build leaves an invalid index
        assert "ticket_online_test_idx" in indexes()

    remove = RemoveIndexOnline("ticket", "ticket_online_test_idx")
    with connection.schema_editor(atomic=False) as editor:
        remove.database_forwards("tickets", editor, after, before)
    assert "ticket_online_test_idx" not in indexes()
    with connection.schema_editor(atomic=False) as editor:
        remove.database_backwards("tickets", editor, before, after)
    assert "ticket_online_test_idx" in indexes()
    with connection.schema_editor(atomic=False) as editor:
        add.database_backwards("tickets", editor, after, before)
    assert "ticket_online_test_idx" not in indexes()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="CONCURRENTLY is PostgreSQL's")
def test_postgresql_refuses_it_in_an_atomic_migration_with_a_clear_message():
    before = ProjectState.from_apps(global_apps)
    after = before.clone()
    add = AddIndexOnline("ticket", INDEX)
    add.state_forwards("tickets", after)
    with pytest.raises(NotSupportedError, match="atomic = False"), connection.schema_editor(atomic=True) as editor:
        add.database_forwards("tickets", editor, before, after)


def test_a_check_is_added_not_valid_then_validated_beside_the_writes():
    check = models.CheckConstraint(condition=models.Q(version__lte=1_000_000), name="ticket_online_test_check")
    before = ProjectState.from_apps(global_apps)
    after = before.clone()
    add = AddCheckOnline("ticket", check)
    add.state_forwards("tickets", after)
    with connection.schema_editor(atomic=False, collect_sql=True) as printer:
        add.database_forwards("tickets", printer, before, after)
    if connection.vendor == "postgresql":
        assert printer.collected_sql[0].rstrip(";").endswith("NOT VALID"), printer.collected_sql
        assert "VALIDATE CONSTRAINT" in printer.collected_sql[1]
    with connection.schema_editor(atomic=False) as editor:
        add.database_forwards("tickets", editor, before, after)
    try:
        assert "ticket_online_test_check" in indexes()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT convalidated FROM pg_constraint WHERE conname = 'ticket_online_test_check'")
                assert cursor.fetchone() == (True,)
    finally:
        with connection.schema_editor(atomic=False) as editor:
            add.database_backwards("tickets", editor, after, before)
    assert "ticket_online_test_check" not in indexes()
