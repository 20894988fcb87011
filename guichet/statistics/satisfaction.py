"""Satisfaction surveys' results ("Je donne mon avis" scale), overall and by service, type, channel and agent.

Definitions in docs/METRICS.md. The answers counted are those given during the period, on tickets the user
may see (the inbox's rule); each answer counts where its ticket was when the citizen answered (service, request
type, channel, agent in charge: kept on the answer), and the filters apply to those too. Every share carries its
``n``: below GUICHET_STATS_MIN_CELL answers, it is not publishable.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from guichet.accounts.models import User
from guichet.statistics.figures import Share, is_publishable
from guichet.statistics.filters import StatsFilter, tickets_for_stats
from guichet.surveys.models import QUESTIONS, Rating, Survey
from guichet.tickets.lifecycle import Channel


@dataclass(frozen=True)
class Ratings:
    """The answers to one question: how many of each step of the scale."""

    good: int
    medium: int
    bad: int

    @property
    def n(self) -> int:
        return self.good + self.medium + self.bad

    @property
    def satisfied(self) -> Share:
        """The share of "Très bien": the State's satisfaction rate."""
        return Share(count=self.good, n=self.n)


@dataclass(frozen=True)
class SatisfactionRow:
    key: str  # a service's or request type's slug, a channel, an agent's username; "" for the whole
    label: str
    n: int  # answers
    ease: Ratings
    quality: Ratings
    delay: Ratings
    not_resolved: Share

    @property
    def publishable(self) -> bool:
        return is_publishable(self.n)


@dataclass(frozen=True)
class Satisfaction:
    overall: SatisfactionRow
    by_service: list[SatisfactionRow]
    by_request_type: list[SatisfactionRow]
    by_channel: list[SatisfactionRow]
    by_agent: list[SatisfactionRow]


def answers_for_stats(*, user: User, filters: StatsFilter) -> QuerySet[Survey]:
    first, after = filters.period.bounds()
    visible = tickets_for_stats(user=user, filters=StatsFilter(period=filters.period)).values("pk")
    answers = Survey.objects.filter(answered_at__gte=first, answered_at__lt=after, ticket__in=visible).order_by()
    if filters.service is not None:
        answers = answers.filter(service=filters.service)
    if filters.request_type is not None:
        answers = answers.filter(request_type=filters.request_type)
    if filters.channel:
        answers = answers.filter(ticket_channel=filters.channel)
    if filters.assignee is not None:
        answers = answers.filter(assignee=filters.assignee)
    return answers


def _aggregates() -> dict[str, Count]:
    counts = {"n": Count("pk"), "not_resolved": Count("pk", filter=Q(not_resolved=True))}
    for question in QUESTIONS:
        for rating in Rating.values:
            counts[f"{question}_{rating}"] = Count("pk", filter=Q(**{question: rating}))
    return counts


def _row(key: str, label: str, values: dict) -> SatisfactionRow:
    def ratings(question: str) -> Ratings:
        return Ratings(**{rating: values[f"{question}_{rating}"] for rating in Rating.values})

    return SatisfactionRow(
        key=key,
        label=label,
        n=values["n"],
        ease=ratings("ease"),
        quality=ratings("quality"),
        delay=ratings("delay"),
        not_resolved=Share(count=values["not_resolved"], n=values["n"]),
    )


def _grouped(answers: QuerySet[Survey], *fields: str) -> list[dict]:
    return list(answers.values(*fields).annotate(**_aggregates()).order_by("-n", *fields))


def ticket_satisfaction(*, user: User, filters: StatsFilter) -> Satisfaction:
    """Five aggregate queries whatever the number of answers."""
    answers = answers_for_stats(user=user, filters=filters)
    overall = answers.aggregate(**_aggregates())
    channels = dict(Channel.choices)
    return Satisfaction(
        overall=_row("", "", overall),
        by_service=[
            _row(row["service__slug"], row["service__name"], row)
            for row in _grouped(answers.filter(service__isnull=False), "service__slug", "service__name")
        ],
        by_request_type=[
            _row(row["request_type__slug"], row["request_type__name"], row)
            for row in _grouped(answers.filter(request_type__isnull=False), "request_type__slug", "request_type__name")
        ],
        by_channel=[
            _row(row["ticket_channel"], str(channels.get(row["ticket_channel"], row["ticket_channel"])), row)
            for row in _grouped(answers.exclude(ticket_channel=""), "ticket_channel")
        ],
        by_agent=[
            _row(row["assignee__username"], _agent_name(row), row)
            for row in _grouped(
                answers.filter(assignee__isnull=False),
                "assignee__username",
                "assignee__first_name",
                "assignee__last_name",
            )
        ],
    )


def _agent_name(row: dict) -> str:
    full = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
    return full or row["assignee__username"]
