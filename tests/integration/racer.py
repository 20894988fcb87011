"""A node's process in the lock races of test_two_nodes.py: ``python tests/integration/racer.py MODE OUT ROUNDS``.

MODE ``lock``: takes ``job_lock("race")`` ROUNDS times; ``periodic``: runs the workers' periodic jobs ROUNDS
times, with one registered job. Whoever holds the lock writes "start PID" and, a moment later, "end PID" to OUT:
two holders at once would interleave their lines.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from guichet.notifications import heartbeat, registry  # noqa: E402
from guichet.notifications.locks import job_lock  # noqa: E402

HOLD_SECONDS = 0.2


def note(out: str, word: str) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{word} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


def hold(out: str) -> None:
    note(out, "start")
    time.sleep(HOLD_SECONDS)
    note(out, "end")


def main(mode: str, out: str, rounds: int) -> None:
    if mode == "periodic":
        registry.register_periodic_job("race-probe", lambda: hold(out))
    for _ in range(rounds):
        if mode == "lock":
            with job_lock("race") as held:
                if held:
                    hold(out)
        else:
            heartbeat.run_periodic_jobs()
        time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
