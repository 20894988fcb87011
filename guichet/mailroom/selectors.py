"""Reads of the mail room: the queue to qualify (with its own search), the backlog, the letters to print."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from guichet.lib.text import fold
from guichet.mailroom.models import Letter, LetterStatus, MailItem, MailStatus
from guichet.tickets.models import Ticket

BACKLOG_BUCKETS = ((0, 2), (3, 7), (8, 30), (31, None))  # age in days, inclusive


def mail_items_to_qualify(*, query: str = "") -> QuerySet[MailItem]:
    """Oldest first; ``query`` matches every word in the file name or the OCR text, accents ignored."""
    items = MailItem.objects.filter(status=MailStatus.TO_QUALIFY).order_by("received_on", "created_at", "pk")
    condition = Q()
    for word in fold(query).split():
        condition &= Q(search_text__contains=word)
    return items.filter(condition).only(
        "public_id", "original_name", "page_count", "received_on", "ocr_status", "ocr_message", "source", "created_at"
    )


@dataclass(frozen=True)
class BacklogBucket:
    label_min: int
    label_max: int | None
    count: int


@dataclass(frozen=True)
class Backlog:
    total: int
    oldest: datetime.date | None
    buckets: list[BacklogBucket]

    @property
    def oldest_age(self) -> int | None:
        return (timezone.localdate() - self.oldest).days if self.oldest else None


def mail_backlog() -> Backlog:
    """Unqualified items by age, in one query."""
    today = timezone.localdate()
    aggregates = {"total": Count("pk"), "oldest": Min("received_on")}
    for index, (low, high) in enumerate(BACKLOG_BUCKETS):
        condition = Q(received_on__lte=today - datetime.timedelta(days=low))
        if high is not None:
            condition &= Q(received_on__gte=today - datetime.timedelta(days=high))
        aggregates[f"b{index}"] = Count("pk", filter=condition)
    row = MailItem.objects.filter(status=MailStatus.TO_QUALIFY).aggregate(**aggregates)
    buckets = [BacklogBucket(low, high, row[f"b{i}"]) for i, (low, high) in enumerate(BACKLOG_BUCKETS)]
    return Backlog(total=row["total"], oldest=row["oldest"], buckets=buckets)


def tickets_by_reference(references: list[str]) -> list[Ticket]:
    if not references:
        return []
    return list(Ticket.objects.filter(reference__in=references).select_related("citizen", "request_type", "service"))


def letters_to_print() -> QuerySet[Letter]:
    return Letter.objects.filter(status=LetterStatus.TO_PRINT).select_related("ticket").order_by("created_at", "pk")
