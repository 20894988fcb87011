"""PostgreSQL prepared statements: a column type changed under a running process costs one failure per
connection, which is then closed, never a run of failures (guichet/lib/prepared_statements.py)."""

import psycopg
import pytest
from django.conf import settings
from django.db import NotSupportedError, close_old_connections, connection

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRESQL, reason="prepared statements are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]
TABLE = "guichet_prepared_probe"
QUERY = f"SELECT label FROM {TABLE} WHERE id = %s"


@pytest.fixture
def probe():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, label varchar(10))")
        cursor.execute(f"INSERT INTO {TABLE} VALUES (1, 'avant')")
    yield
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _elsewhere(sql: str) -> None:
    """On a connection of its own: psycopg forgets its prepared statements after an ALTER on the same one."""
    params = connection.settings_dict
    keys = {"dbname": params["NAME"], "host": params["HOST"], "port": params["PORT"], "user": params["USER"]}
    with psycopg.connect(**{k: v for k, v in keys.items() if v}, password=params["PASSWORD"] or None) as other:
        other.execute(sql)


def _label() -> str:
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [1])
        return cursor.fetchone()[0]


def test_statements_run_often_are_prepared(probe):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert threshold == 5
    for _ in range(threshold + 1):
        _label()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{TABLE}%"])
        assert cursor.fetchone()[0] == 1


def test_a_column_type_changed_meanwhile_fails_once_then_the_connection_starts_afresh(probe):
    for _ in range(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] + 1):
        assert _label() == "avant"
    _elsewhere(f"ALTER TABLE {TABLE} ALTER COLUMN label TYPE varchar(20)")  # a migration run by another process
    first = connection.connection
    with pytest.raises(NotSupportedError, match="cached plan must not change result type"):
        _label()
    close_old_connections()  # what Django does as the request ends, and the task worker between tasks
    assert connection.connection is None
    assert _label() == "avant"  # a new connection, nothing prepared yet
    assert connection.connection is not first
