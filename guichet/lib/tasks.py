"""The task queue's backend: django-tasks-db's, able to write the tasks queued together in one statement.

A new ticket queues, in the citizen's request, the delivery of its acknowledgement and its agents' alerts: two
``Task.enqueue`` calls, each one INSERT of a task row with its own compilation. Inside ``queued_together()``
the rows wait in the request and go in with one INSERT as the block ends: in the same transaction, so a task
is still never run for something rolled back, nor missing for something committed. Nothing changes outside
such a block, or for tasks another backend runs.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend as QueueInDatabase
from django_tasks_db.backend import TaskResult
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

# The rows queued in the current block, with their backend and result; None outside any block.
_waiting: ContextVar[list[tuple["DatabaseBackend", DBTaskResult, TaskResult]] | None] = ContextVar(
    "guichet_tasks_waiting", default=None
)


class DatabaseBackend(QueueInDatabase):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:
        waiting = _waiting.get()
        if waiting is None:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        # The row django-tasks-db writes, with what its pre_save handler and auto_now_add would fill in
        # (bulk_create sends no signal): no run_after is the far future its worker reads as "now".
        row: DBTaskResult = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
            enqueued_at=timezone.now(),
        )
        result = row.task_result
        waiting.append((self, row, result))
        return result


@contextlib.contextmanager
def queued_together() -> Iterator[None]:
    """Tasks enqueued to the database backend inside the block are written with one INSERT as it ends
    (call it inside the transaction they belong to). Nested blocks join the outer one."""
    if _waiting.get() is not None:
        yield
        return
    waiting: list[tuple[DatabaseBackend, DBTaskResult, TaskResult]] = []
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    if waiting:
        DBTaskResult.objects.bulk_create([row for _backend, row, _result in waiting])
        for backend, _row, result in waiting:
            task_enqueued.send(type(backend), task_result=result)
