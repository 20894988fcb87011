"""A task for the two-node test: each run appends its id to a file, so a task run twice shows twice."""

import os

from django_tasks import task


@task()
def record_run(path: str, number: int) -> int:
    line = f"{number} {os.getpid()}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one write with O_APPEND: lines of two processes never mix
    finally:
        os.close(fd)
    return number
