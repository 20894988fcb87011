"""django-tasks-db's database backend, its task rows inserted through ``lib.inserts``.

Each new ticket writes one task row in its transaction, one of the five rows of a web submission
(docs/BENCHMARKS.md). The row, its receivers and the enqueueing are the library's; only the way the row goes
in changes: its statement is built once (``tests/lib/test_inserts.py`` compares the two backends' rows).
"""

from typing import Any

from django_tasks_db import DatabaseBackend as LibraryBackend
from django_tasks_db.compat import Task, normalize_json
from django_tasks_db.models import DBTaskResult

from guichet.lib.inserts import insert


class DatabaseBackend(LibraryBackend):
    def _task_to_db_task(self, task: Task, args: Any, kwargs: Any) -> DBTaskResult:
        # As the library's own (django-tasks-db 0.13), but for the insert.
        return insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,  # type: ignore[misc]  # None is set by the library's pre_save receiver
                backend_name=self.alias,
            )
        )
