"""CPU seconds used so far by the processes of a benchmark: gunicorn (master and workers) and the PostgreSQL
backends serving one database. On a machine shared with other work, wall-clock throughput says little;
the CPU each request costs does not depend on what else runs (bench/portal.sh divides it by the requests).

Usage: bench/cpu_ticks.py GUNICORN_MASTER_PID DATABASE_NAME   → prints "gunicorn_seconds postgres_seconds"
"""

import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: str) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of proc(5))


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[1]
    except OSError:
        return ""


def main() -> None:
    master, database = sys.argv[1], sys.argv[2]
    pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    gunicorn = sum(_cpu_seconds(pid) for pid in pids if pid == master or _parent(pid) == master)
    # A backend's title: "postgres: USER DATABASE HOST(PORT) STATE".
    backends = sum(
        _cpu_seconds(pid) for pid in pids if _cmdline(pid).startswith("postgres: ") and f" {database} " in _cmdline(pid)
    )
    print(f"{gunicorn:.2f} {backends:.2f}")


if __name__ == "__main__":
    main()
