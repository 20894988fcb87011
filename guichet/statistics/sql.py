"""The SQL pieces of the metrics that are not plain ORM: the exact percentile, open tickets.

The per-ticket moments and durations (first response, resolution, paused time) are no longer subqueries on the
events here: ``tickets.facts`` keeps them as columns of ``TicketFacts`` (docs/METRICS.md).
"""

from django.db.models import Aggregate, Q

from guichet.tickets.lifecycle import Status


class PercentileDisc(Aggregate):
    """PostgreSQL's exact percentile: the first value whose cumulative share reaches ``fraction``."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


OPEN_Q = Q(status__in=(Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN))
