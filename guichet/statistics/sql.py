"""The SQL pieces of the metrics that are not plain ORM: the exact percentile, open tickets.

The per-ticket moments and durations (first response, resolution, paused time) are no longer subqueries on the
events here: ``tickets.facts`` keeps them as columns of ``TicketFacts`` (docs/METRICS.md).
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Aggregate, Q, QuerySet

from guichet.tickets.lifecycle import Status


class PercentileDisc(Aggregate):
    """PostgreSQL's exact percentile: the first value whose cumulative share reaches ``fraction``."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


OPEN_Q = Q(status__in=(Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN))


def percentiles_by_histogram(
    buckets: QuerySet[Any], values: QuerySet[Any], fractions: Sequence[float], *, bounds: Sequence[int]
) -> tuple[int, dict[float, int | None]]:
    """Exact ``PERCENTILE_DISC`` of ``values`` (one integer column) at each fraction, in one statement (PostgreSQL),
    without sorting them all: ``buckets`` (bucket number, count) is their histogram, bucket k holding the values
    in [bounds[k-1], bounds[k]) (bucket 0 below bounds[0], the last one from bounds[-1] up). The rank
    ``max(1, ceil(fraction × n))`` (float8, as PostgreSQL computes it) falls in the bucket whose running total
    first reaches it; the value is found there by its rank among that bucket's values only, read in order (an
    index on the values makes it a short range scan). Returns n and each fraction's value (None when n is 0)."""
    try:
        bucket_sql, bucket_params = buckets.query.sql_with_params()
        values_sql, values_params = values.query.sql_with_params()
    except EmptyResultSet:  # ``none()``: a user who may see no ticket
        return 0, dict.fromkeys(fractions)
    fraction_rows = ", ".join(["(CAST(%s AS double precision))"] * len(fractions))
    statement = f"""
        WITH h (b, total) AS ({bucket_sql}),
        c AS (SELECT b, total, CAST(SUM(total) OVER (ORDER BY b) AS bigint) AS cum FROM h),
        t AS (SELECT CAST(COALESCE(SUM(total), 0) AS bigint) AS n FROM h),
        r AS (
            SELECT f.fraction, CAST(GREATEST(1, CEIL(f.fraction * t.n)) AS bigint) AS rank
            FROM t CROSS JOIN (VALUES {fraction_rows}) AS f (fraction) WHERE t.n > 0
        ),
        p AS (
            SELECT r.fraction, r.rank - (c.cum - c.total) AS k,
                   COALESCE((CAST(%s AS bigint[]))[c.b], -9223372036854775808) AS low,
                   COALESCE((CAST(%s AS bigint[]))[c.b + 1], 9223372036854775807) AS high
            FROM r JOIN c ON c.cum >= r.rank AND c.cum - c.total < r.rank
        )
        SELECT t.n, p.fraction, (
            SELECT s.v FROM ({values_sql}) AS s (v) WHERE s.v >= p.low AND s.v < p.high
            ORDER BY s.v OFFSET p.k - 1 LIMIT 1
        )
        FROM t LEFT JOIN p ON TRUE
    """
    # PostgreSQL arrays start at 1: bounds[k - 1] is the array's k-th element, bucket k's lower bound.
    params = [*bucket_params, *fractions, list(bounds), list(bounds), *values_params]
    found: dict[float, int | None] = dict.fromkeys(fractions)
    with connections[values.db].cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    for _, fraction, value in rows:
        if fraction is not None:
            found[float(fraction)] = value
    return rows[0][0], found
