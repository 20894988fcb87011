"""Honest endings: the tickets that ended in a period, counted apart by what happened (docs/METRICS.md).

Its own module, beside ``metrics``: one aggregate query, over the same visibility and filters.
"""

from dataclasses import dataclass

from django.db.models import Count

from guichet.accounts.models import User
from guichet.statistics.figures import Share
from guichet.statistics.filters import StatsFilter, tickets_for_stats
from guichet.tickets.lifecycle import ClosingOutcome


@dataclass(frozen=True)
class Outcomes:
    """Tickets whose handling ended (closed or rejected, not reopened since) in the period, by outcome."""

    counts: dict[str, int]  # every ClosingOutcome value, 0 when none

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def share(self, outcome: str) -> Share:
        return Share(count=self.counts[outcome], n=self.n)

    @property
    def shares(self) -> dict[str, Share]:
        return {outcome: self.share(outcome) for outcome in ClosingOutcome.values}


def ticket_outcomes(*, user: User, filters: StatsFilter) -> Outcomes:
    first, after = filters.period.bounds()
    rows = (
        tickets_for_stats(user=user, filters=filters)
        .filter(closed_at__gte=first, closed_at__lt=after, closing_outcome__in=ClosingOutcome.values)
        .values("closing_outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(ClosingOutcome.values, 0)
    for row in rows:
        counts[row["closing_outcome"]] = row["n"]
    return Outcomes(counts=counts)
