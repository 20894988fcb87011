"""guichet.lib.tasks: tasks queued together are written in one statement, in their transaction, and run."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from guichet.lib.tasks import queued_together
from tests import factories

RAN: list[str] = []


@task()
def remember(word: str) -> str:
    RAN.append(word)
    return word


def _task_inserts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "django_tasks_database')]


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_together_go_in_with_one_insert_and_run(run_worker):
    RAN.clear()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), queued_together():
        first = remember.enqueue("un")
        second = remember.enqueue("deux")
        assert not DBTaskResult.objects.exists()  # nothing written before the block ends
    assert len(_task_inserts(queries)) == 1
    rows = list(DBTaskResult.objects.all())
    assert {str(row.id) for row in rows} == {str(first.id), str(second.id)}
    for row in rows:
        assert row.status == "READY" and row.run_after == get_date_max() and row.enqueued_at is not None
        assert row.task_path.endswith("test_tasks.remember") and row.backend_name == "default"
    run_worker()
    assert sorted(RAN) == ["deux", "un"]
    assert {row.return_value for row in DBTaskResult.objects.all()} == {"un", "deux"}


@pytest.mark.django_db
def test_a_block_that_fails_queues_nothing():
    with pytest.raises(ZeroDivisionError), transaction.atomic(), queued_together():
        remember.enqueue("jamais")
        1 / 0  # noqa: B018
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_outside_a_block_and_nested_blocks():
    remember.enqueue("seul")
    assert DBTaskResult.objects.count() == 1  # written at once, as django-tasks-db does
    with CaptureQueriesContext(connection) as queries, queued_together():
        remember.enqueue("dehors")
        with queued_together():
            remember.enqueue("dedans")
        assert DBTaskResult.objects.count() == 1  # the inner block joined the outer one
    assert len(_task_inserts(queries)) == 1 and DBTaskResult.objects.count() == 3


@pytest.mark.django_db
def test_a_new_ticket_writes_its_acknowledgement_and_alert_tasks_in_one_statement(commune, request_type):
    citizen = factories.CitizenFactory()
    factories.make_ticket(request_type=request_type, citizen=citizen)  # the commune and the catalogue, cached
    DBTaskResult.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        factories.make_ticket(request_type=request_type, citizen=citizen)
    assert len(_task_inserts(queries)) == 1
    names = sorted(path.rsplit(".", 1)[-1] for path in DBTaskResult.objects.values_list("task_path", flat=True))
    assert names == ["alert_service_agents", "deliver_notification"]
