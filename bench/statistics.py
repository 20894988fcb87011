"""Statistics latency, server side: the pilotage page, /resultats/ and /api/v1/stats/ (bench/stats_pages.py).

Usage (PostgreSQL and the project's virtualenv):
    .venv/bin/python bench/statistics.py --setup --tickets 1000000   # recreate guichet_bench_stats, seed, measure
    .venv/bin/python bench/statistics.py [--runs 30] [--warmup 3]    # measure the database as it is
    .venv/bin/python bench/statistics.py --explain                   # also list the queries, EXPLAIN the slow ones

This file's name is the standard library's: a script of bench/ that imports ``statistics`` (bench/ leads its
sys.path) lands here and gets the real module.
"""

import sys

if __name__ == "__main__":
    import stats_pages

    stats_pages.main()
else:
    import importlib.util
    import sysconfig
    from pathlib import Path

    _spec = importlib.util.spec_from_file_location("statistics", Path(sysconfig.get_path("stdlib")) / "statistics.py")
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["statistics"] = _module
    _spec.loader.exec_module(_module)
