"""PostgreSQL prepared statements, and the one way a schema change can break them.

psycopg prepares a statement once a connection has run it ``DATABASE_PREPARE_THRESHOLD`` times (5; "none"
turns it off, as behind a PgBouncer older than 1.21 in transaction mode): PostgreSQL then skips parsing and
planning it, a third of its CPU on a web submission (docs/BENCHMARKS.md).

A prepared statement's result keeps the column types it had. A migration that changes one (``max_length``
raised: varchar(100) → varchar(200)) while processes of the previous version still run makes PostgreSQL refuse
the statements reading that column on their connections ("cached plan must not change result type",
SQLSTATE 0A000). The rules of docs/UPGRADE.md keep such changes off the large tables. Should it happen, the
request or task that meets it fails, and its connection is closed as it ends (``close_at``, read by Django's
``close_old_connections`` at the end of a request and by the task worker between tasks): the next one
reconnects, with nothing prepared.
"""

from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

RESULT_TYPE_CHANGED = "cached plan must not change result type"


def _stale(error: BaseException | None) -> bool:
    while error is not None:
        if getattr(error, "sqlstate", None) == "0A000" and RESULT_TYPE_CHANGED in str(error):
            return True
        error = error.__cause__
    return False


def _close_when_stale(connection: BaseDatabaseWrapper) -> Callable[..., Any]:
    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        try:
            return execute(sql, params, many, context)
        except Exception as error:
            if _stale(error):
                connection.close_at = 0  # due: closed when the request or task ends
            raise

    return wrapper


def guard(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: on PostgreSQL, a connection whose prepared statements went stale is
    closed when its request or task ends."""
    if connection.vendor == "postgresql" and not getattr(connection, "_guichet_stale_guard", False):
        connection.execute_wrappers.append(_close_when_stale(connection))
        connection._guichet_stale_guard = True  # type: ignore[attr-defined]
