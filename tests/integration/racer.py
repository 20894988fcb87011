"""A node's process in the lock races of test_two_nodes.py: ``python tests/integration/racer.py MODE OUT SECONDS``.

Once loaded, it says so (``OUT.ready.PID``) and waits for ``OUT.go``, so that both racers start together; then
for SECONDS, MODE ``lock`` tries ``job_lock("race")`` again and again; ``periodic`` runs the workers' periodic
jobs again and again, with one registered job. Whoever holds the lock writes "start PID" and, a moment later, "end PID" to OUT:
two holders at once would interleave their lines.
"""

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

import django  # noqa: E402

django.setup()

from guichet.notifications import heartbeat, registry  # noqa: E402
from guichet.notifications.locks import job_lock  # noqa: E402

HOLD_SECONDS = 0.1


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


def main(mode: str, out: str, seconds: float) -> None:
    if mode == "periodic":
        registry.register_periodic_job("race-probe", lambda: hold(out))
    Path(f"{out}.ready.{os.getpid()}").touch()
    while not Path(f"{out}.go").exists():
        time.sleep(0.01)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if mode == "lock":
            with job_lock("race") as held:
                if held:
                    hold(out)
        else:
            heartbeat.run_periodic_jobs()
        time.sleep(random.uniform(0, 0.05))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
