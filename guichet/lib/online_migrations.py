"""Migration operations that leave the big tables open while the old version serves (docs/UPGRADE.md).

``CREATE INDEX`` makes every write to the table wait until the index is built (minutes on a million tickets);
PostgreSQL's ``CONCURRENTLY`` builds it beside the writes. Django's ``AddIndexConcurrently`` is PostgreSQL's
only, and the project also runs on SQLite (one machine, a short lock is no outage): these pick by vendor. A
migration using them sets ``atomic = False`` (PostgreSQL refuses ``CONCURRENTLY`` in a transaction), and holds
nothing else, so that a failure leaves no half-done schema (an index that failed to build is dropped first).
tests/test_online_migrations.py checks every migration of the big tables against these rules.
"""

from django.db import NotSupportedError, models
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex


def _concurrently(schema_editor, operation: str) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    if schema_editor.connection.in_atomic_block and not schema_editor.collect_sql:  # sqlmigrate only prints
        raise NotSupportedError(
            f"{operation} works beside the writes on PostgreSQL, outside a transaction: set atomic = False on the "
            "migration."
        )
    return True


class AddCheckOnline(AddConstraint):
    """``AddConstraint`` of a ``CheckConstraint`` that never reads the table under an exclusive lock on PostgreSQL.

    The constraint is added ``NOT VALID`` (new rows are checked from then on; a brief lock), committed, then
    ``VALIDATE CONSTRAINT`` reads the existing rows while writes go on. Elsewhere, a plain ``AddConstraint``.
    """

    atomic = False

    def describe(self) -> str:
        return f"Create constraint {self.constraint.name} on {self.model_name} (validated online on PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if not isinstance(self.constraint, models.CheckConstraint) or not _concurrently(
            schema_editor, "AddCheckOnline"
        ):
            schema_editor.add_constraint(model, self.constraint)
            return
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


class AddIndexOnline(AddIndex):
    """``AddIndex`` that builds the index CONCURRENTLY on PostgreSQL (writes go on meanwhile)."""

    atomic = False

    def describe(self) -> str:
        return f"Create index {self.index.name} on {self.model_name} (concurrently on PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if _concurrently(schema_editor, "AddIndexOnline"):
            # A build interrupted earlier leaves an INVALID index of that name: drop it and start again.
            schema_editor.execute(schema_editor._delete_index_sql(model, self.index.name, concurrently=True))
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if _concurrently(schema_editor, "AddIndexOnline"):
                schema_editor.remove_index(model, self.index, concurrently=True)
            else:
                schema_editor.remove_index(model, self.index)


class RemoveIndexOnline(RemoveIndex):
    """``RemoveIndex`` that drops the index CONCURRENTLY on PostgreSQL."""

    atomic = False

    def describe(self) -> str:
        return f"Remove index {self.name} from {self.model_name} (concurrently on PostgreSQL)"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        if _concurrently(schema_editor, "RemoveIndexOnline"):
            schema_editor.remove_index(model, index, concurrently=True)
        else:
            schema_editor.remove_index(model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        if _concurrently(schema_editor, "RemoveIndexOnline"):
            schema_editor.add_index(model, index, concurrently=True)
        else:
            schema_editor.add_index(model, index)
