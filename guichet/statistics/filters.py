"""What a statistic is computed on: a period, optional dimensions, and the tickets the user may see."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from guichet.accounts.models import User
from guichet.catalogue.models import RequestType
from guichet.organisation.models import Service
from guichet.tickets import permissions
from guichet.tickets.facts import Grain, grain_for
from guichet.tickets.models import Ticket, TicketDayCount, TicketFacts

ONE_DAY = datetime.timedelta(days=1)


class Preset(models.TextChoices):
    # Identifiers only (they travel in URLs); the pages give them their French labels.
    LAST_30_DAYS = "30j"
    LAST_12_MONTHS = "12m"
    THIS_YEAR = "annee"
    CUSTOM = "perso"


@dataclass(frozen=True)
class Period:
    """Whole local days, both ends included."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length that ends the day before this one starts."""
        end = self.start - ONE_DAY
        return Period(start=end - datetime.timedelta(days=self.days - 1), end=end)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[first instant, first instant after) in the current time zone, for index-friendly range filters."""
        tz = timezone.get_current_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        after = datetime.datetime.combine(self.end + ONE_DAY, datetime.time.min, tzinfo=tz)
        return first, after

    @classmethod
    def from_preset(
        cls,
        preset: str,
        *,
        today: datetime.date | None = None,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
    ) -> "Period":
        today = today or timezone.localdate()
        if preset == Preset.LAST_30_DAYS:
            return cls(start=today - datetime.timedelta(days=29), end=today)
        if preset == Preset.LAST_12_MONTHS:
            return cls(start=_year_before(today) + ONE_DAY, end=today)
        if preset == Preset.THIS_YEAR:
            return cls(start=today.replace(month=1, day=1), end=today)
        if preset == Preset.CUSTOM and start and end:
            return cls(start=start, end=end)
        raise ValueError(f"Unknown period preset {preset!r} (or a custom period without both dates)")


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class StatsFilter:
    period: Period
    service: Service | None = None
    request_type: RequestType | None = None
    channel: str = ""
    assignee: User | None = None

    def previous(self) -> "StatsFilter":
        return replace(self, period=self.period.previous())


def tickets_for_stats(*, user: User, filters: StatsFilter) -> QuerySet[Ticket]:
    """The tickets the user may see (the inbox's rule), narrowed by every dimension but the period."""
    tickets = Ticket.objects.visible_to(user).order_by()
    if filters.service is not None:
        tickets = tickets.filter(service=filters.service)
    if filters.request_type is not None:
        tickets = tickets.filter(request_type=filters.request_type)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.assignee is not None:
        tickets = tickets.filter(assignee=filters.assignee)
    return tickets


def facts_for_stats(*, user: User, filters: StatsFilter) -> QuerySet[TicketFacts]:
    """The same tickets as ``tickets_for_stats``, as their statistics facts (``tickets.models.TicketFacts``):
    the rule and the dimensions apply to the facts' copies of the ticket's columns."""
    condition = permissions.visible_condition(user)
    if condition is None:
        return TicketFacts.objects.none()
    facts = TicketFacts.objects.filter(condition).order_by()
    if filters.service is not None:
        facts = facts.filter(service=filters.service)
    if filters.request_type is not None:
        facts = facts.filter(request_type=filters.request_type)
    if filters.channel:
        facts = facts.filter(channel=filters.channel)
    if filters.assignee is not None:
        facts = facts.filter(assignee=filters.assignee)
    return facts


@dataclass(frozen=True)
class Counts:
    """Per-day count rows of one grain (``tickets.facts.GRAINS``), narrowed to what the user may see and to the
    filters' dimensions; ``Moment.counts_in`` picks the grain's kinds."""

    rows: QuerySet[TicketDayCount]
    grain: Grain


def filtered_dimensions(filters: StatsFilter) -> set[str]:
    named = {
        "request_type": filters.request_type is not None,
        "channel": bool(filters.channel),
        "assignee": filters.assignee is not None,
    }
    return {name for name, used in named.items() if used}


def counts_for_stats(*, user: User, filters: StatsFilter, keep: Iterable[str] = ()) -> Counts:
    """The same tickets as ``facts_for_stats``, as their per-day counts (``tickets.models.TicketDayCount``), of
    the narrowest grain that keeps the filters' dimensions and ``keep`` (those the figure groups by): the rule
    and the dimensions apply to the counts' keys, which are the facts' columns."""
    grain = grain_for(filtered_dimensions(filters) | set(keep))
    assert grain is not None  # the first grain keeps every dimension
    return Counts(_narrowed(user, filters), grain)


def histogram_for_stats(*, user: User, filters: StatsFilter) -> Counts | None:
    """The duration histograms of the narrowest grain that keeps the filters' dimensions; None when none keeps
    them all (the assignee with the request type or the channel: the percentiles then read the facts)."""
    grain = grain_for(filtered_dimensions(filters), histogram=True)
    return None if grain is None else Counts(_narrowed(user, filters), grain)


def _narrowed(user: User, filters: StatsFilter) -> QuerySet[TicketDayCount]:
    condition = permissions.visible_condition(user)
    if condition is None:
        return TicketDayCount.objects.none()
    counts = TicketDayCount.objects.filter(condition).order_by()
    if filters.service is not None:
        counts = counts.filter(service=filters.service)
    if filters.request_type is not None:
        counts = counts.filter(request_type=filters.request_type)
    if filters.channel:
        counts = counts.filter(channel=filters.channel)
    if filters.assignee is not None:
        counts = counts.filter(assignee_key=filters.assignee.pk)
    return counts
