"""Reads of the access log for the administrators' page."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from guichet.compliance.models import PersonalDataAccess
from guichet.lib import references


@dataclass(frozen=True)
class AccessLogFilter:
    actor: str = ""  # part of the agent's name or username, or of the API key's name
    identifier: str = ""  # a reference, a citizen's public id, a mail item's or email's public id
    action: str = ""
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def access_log_search(filters: AccessLogFilter) -> QuerySet[PersonalDataAccess]:
    """Newest first. Dates and actions use their indexes; an identifier is matched exactly on the entry's object
    or citizen (indexed), or among the identifiers a list showed (a scan, bounded by the dates given)."""
    entries = PersonalDataAccess.objects.select_related("user", "citizen")
    if filters.since:
        entries = entries.filter(at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_day_start(filters.until + datetime.timedelta(days=1)))
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.kind:
        entries = entries.filter(object_kind=filters.kind)
    if filters.actor:
        entries = entries.filter(actor__icontains=filters.actor)
    if filters.identifier:
        raw = filters.identifier.strip()
        compact = references.normalise(raw) or raw  # references are typed grouped (K7Q2-M9XD), stored without dash
        entries = entries.filter(
            Q(object_id__in={raw, compact})
            | Q(citizen__public_id=raw)
            | Q(object_ids__contains=raw)
            | Q(object_ids__contains=compact)
        )
    return entries.order_by("-at", "-pk")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
