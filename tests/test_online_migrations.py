"""Migrations run while the old version serves (docs/UPGRADE.md): none may rewrite or long-lock a big table.

Every migration of every app is turned into the SQL that PostgreSQL would run (as ``sqlmigrate`` does, nothing
is executed) and each statement on a big table is checked, unless the migration created that table (it was
empty). What is refused, and why:

* ``CREATE INDEX`` without ``CONCURRENTLY``: every write to the table waits until the index is built. Use
  ``guichet.lib.online_migrations.AddIndexOnline`` in an ``atomic = False`` migration.
* a new ``CHECK``, ``UNIQUE`` or ``FOREIGN KEY`` constraint (also inline on ``ADD COLUMN``: a positive integer
  field's check, a foreign key) without ``NOT VALID``: every row is read under an exclusive lock. Add it
  ``NOT VALID`` and ``VALIDATE CONSTRAINT`` in a later migration, or add a foreign key with
  ``db_constraint=False``, and its index online.
* ``ALTER COLUMN … TYPE`` (the table is rewritten, but for a wider varchar), ``SET NOT NULL`` (read under an
  exclusive lock), a stored generated column (rewritten).
* a data migration (``RunPython``, ``RunSQL``) in the transaction of a migration of an app that owns a big
  table: it would update every row in one transaction, holding their locks to the end. Write a management
  command the operator runs in the background after the upgrade, or (short enough to wait for) an
  ``atomic = False`` migration working in batches, each its own transaction (``tickets/0025_ticket_facts_fill``).

What is allowed: ``ADD COLUMN`` nullable, or with a constant default (PostgreSQL ≥ 11 stores it in the
catalogue, no rewrite), ``DROP DEFAULT``, ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX``, new tables.

The migrations written before this rule are listed in ``REVIEWED`` with the reason they were accepted; the
list may not grow without a reason, and an entry that no longer breaks a rule must go.
"""

import re
from collections.abc import Iterator

import pytest
from django.apps import apps as global_apps
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from guichet.lib.online_migrations import AddIndexOnline

BIG_TABLES = {
    "tickets_ticket",
    "tickets_event",
    "tickets_message",
    "tickets_attachment",
    "tickets_ticketfacts",
    "notifications_notification",
    "notifications_deliveryattempt",
    "compliance_personaldataaccess",
}
APPS_WITH_BIG_TABLES = {"tickets", "notifications", "compliance"}

RULES = [
    (re.compile(r"^CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)"), "CREATE INDEX without CONCURRENTLY (AddIndexOnline)"),
    (
        re.compile(r"ADD CONSTRAINT \S+ (CHECK|UNIQUE|FOREIGN KEY)(?!.*NOT VALID)"),
        "a new constraint reads every row under an exclusive lock (NOT VALID, then VALIDATE)",
    ),
    (
        re.compile(r"ADD COLUMN .*(CHECK \(| REFERENCES )"),
        "a constraint on the new column reads every row under an exclusive lock",
    ),
    (re.compile(r"GENERATED ALWAYS AS .* STORED"), "a stored generated column rewrites the table"),
    (re.compile(r"ALTER COLUMN \S+ (SET DATA )?TYPE "), "a change of type rewrites the table"),
    (re.compile(r"ALTER COLUMN \S+ SET NOT NULL"), "SET NOT NULL reads every row under an exclusive lock"),
]
DATA_RULE = "a data migration in the migration's transaction (a management command run in the background)"

_BEFORE_UPGRADES = "written before any installation was upgraded (the rule dates from issue 18)"
REVIEWED: dict[tuple[str, str], str] = {
    ("tickets", "0003_search_text"): _BEFORE_UPGRADES + "; fills search_text and its search index",
    ("tickets", "0006_inbox_indexes"): _BEFORE_UPGRADES + "; the inbox's partial index",
    ("tickets", "0008_ticket_api_key"): _BEFORE_UPGRADES,
    ("tickets", "0010_ticket_household_member_and_account_events"): _BEFORE_UPGRADES,
    ("tickets", "0011_accesstoken_expires_at_revoked_at"): _BEFORE_UPGRADES,
    ("tickets", "0012_ticket_invariants"): _BEFORE_UPGRADES + "; repairs old rows before its constraints",
    ("tickets", "0014_implicit_decision_clock"): _BEFORE_UPGRADES,
    ("tickets", "0015_ticket_closing_outcome"): _BEFORE_UPGRADES,
    ("tickets", "0018_ticket_priority_targets_escalation"): _BEFORE_UPGRADES,
    ("tickets", "0020_ticket_retention"): _BEFORE_UPGRADES,
    ("notifications", "0003_agent_alerts"): _BEFORE_UPGRADES,
    ("compliance", "0002_accessibility_feedback_request_type"): "adds one request type: reads no big table",
}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the statements checked are PostgreSQL's: run with DATABASE_URL=…"
    ),
]


def statements(migration, state: ProjectState) -> list[str]:
    """The SQL of ``migration`` from ``state``, which it moves forward (``Migration.apply`` mutates it)."""
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        migration.apply(state, editor, collect_sql=True)
    return [" ".join(sql.split()) for sql in editor.collected_sql]


def created_tables(sqls: list[str]) -> set[str]:
    return {m.group(1) for sql in sqls if (m := re.match(r'CREATE TABLE "([^"]+)"', sql))}


TARGET = re.compile(r'^(?:ALTER TABLE|CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?\S+ ON) "([^"]+)"')


def violations(migration, state: ProjectState) -> Iterator[str]:
    sqls = statements(migration, state)
    new = created_tables(sqls)
    for sql in sqls:
        # The table the statement locks (a foreign key from a new table to a big one reads only the new one).
        target = TARGET.match(sql)
        if not target or target.group(1) not in BIG_TABLES - new:
            continue
        for pattern, why in RULES:
            if pattern.search(sql):
                yield f"{why}: {sql[:160]}"
    if migration.atomic and migration.app_label in APPS_WITH_BIG_TABLES:
        for operation in migration.operations:
            if isinstance(operation, migrations.RunPython | migrations.RunSQL):
                yield f"{DATA_RULE}: {operation.describe()}"


@pytest.fixture(scope="module")
def every_violation(django_db_setup, django_db_blocker) -> dict[tuple[str, str], list[str]]:
    """Every migration in the order ``migrate`` runs them, each from the state the previous ones left."""
    with django_db_blocker.unblock():
        loader = MigrationLoader(connection)
        plan = list(
            dict.fromkeys(key for leaf in loader.graph.leaf_nodes() for key in loader.graph.forwards_plan(leaf))
        )
        state = ProjectState(real_apps=loader.unmigrated_apps)
        return {key: list(violations(loader.graph.nodes[key], state)) for key in plan}


def test_no_migration_rewrites_or_long_locks_a_big_table_unless_reviewed(every_violation):
    unreviewed = {
        f"{app}.{name}": problems
        for (app, name), problems in every_violation.items()
        if problems and (app, name) not in REVIEWED
    }
    assert not unreviewed, (
        "These migrations would lock a big table while the old version serves (see this file's docstring and "
        f"docs/UPGRADE.md):\n{unreviewed}"
    )


def test_every_reviewed_migration_still_exists_and_still_needs_its_review(every_violation):
    assert {key for key in REVIEWED if not every_violation.get(key)} == set()
    assert all(reason.strip() for reason in REVIEWED.values())


def fake_migration(*operations, atomic: bool = True):
    migration = migrations.Migration("9999_check", "tickets")
    migration.operations = list(operations)
    migration.atomic = atomic
    return migration


def current_state() -> ProjectState:
    return ProjectState.from_apps(global_apps)


def test_the_check_refuses_a_plain_index_a_constraint_and_a_data_migration_and_accepts_an_online_index():
    index = models.Index(fields=["updated_at", "status"], name="ticket_check_idx")
    plain = fake_migration(migrations.AddIndex("ticket", index))
    assert [v.split(":")[0] for v in violations(plain, current_state())] == [RULES[0][1]]
    online = fake_migration(AddIndexOnline("ticket", index), atomic=False)
    assert list(violations(online, current_state())) == []
    check = models.CheckConstraint(condition=models.Q(version__lte=10**9), name="ticket_check_version")
    assert len(list(violations(fake_migration(migrations.AddConstraint("ticket", check)), current_state()))) == 1
    data = fake_migration(migrations.RunPython(migrations.RunPython.noop))
    assert list(violations(data, current_state())) == [f"{DATA_RULE}: Raw Python operation"]
    nullable = fake_migration(migrations.AddField("ticket", "note", models.TextField(blank=True, default="")))
    assert list(violations(nullable, current_state())) == []
