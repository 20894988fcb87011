"""Reads of tickets, each with the joins its page needs (no N+1)."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Prefetch, QuerySet

from guichet.citizens.models import reachable_condition
from guichet.organisation.models import Commune
from guichet.tickets.models import (
    Attachment,
    DocumentRequest,
    Event,
    EventKind,
    Message,
    Ticket,
    TicketFollower,
    Visibility,
)

CITIZEN_TIMELINE_KINDS = (
    EventKind.CREATED,
    EventKind.STATUS_CHANGED,
    EventKind.DOCUMENTS_REQUESTED,
    EventKind.DOCUMENTS_RECEIVED,
    EventKind.IMPLICIT_ACCEPTANCE,
    EventKind.IMPLICIT_REJECTION,
)


def ticket_by_reference(reference: str) -> Ticket | None:
    return Ticket.objects.select_related("request_type", "service", "citizen").filter(reference=reference).first()


def public_thread(ticket: Ticket) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket, visibility=Visibility.PUBLIC)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk")))
    )


def citizen_timeline(ticket: Ticket) -> QuerySet[Event]:
    return Event.objects.filter(ticket=ticket, kind__in=CITIZEN_TIMELINE_KINDS)


def form_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    return Attachment.objects.filter(ticket=ticket, message__isnull=True, is_public=True)


def public_attachment(ticket: Ticket, public_id: str) -> Attachment | None:
    return Attachment.objects.filter(ticket=ticket, public_id=public_id, is_public=True).first()


def open_document_request(ticket: Ticket) -> DocumentRequest | None:
    """The missing documents the ticket waits for, if any (one at a time)."""
    return DocumentRequest.objects.filter(ticket=ticket, completed_at__isnull=True).first()


def missing_documents(ticket: Ticket) -> list[str]:
    """The documents the open missing-documents request (L114-5) lists, for the acknowledgement's mention."""
    request = open_document_request(ticket)
    return list(request.items) if request else []


def implicit_decision_near_limit(today: datetime.date) -> datetime.date:
    """The last implicit-decision date agents are warned about today (the Commune's working days ahead)."""
    commune = Commune.current()
    return commune.calendar.add_working_days(today, commune.implicit_decision_warning_days)


def implicit_decisions_due(today: datetime.date) -> list[int]:
    """Tickets whose implicit decision is born by ``today`` and not yet recorded (index ticket_implicit_decision_due)."""
    pending = Ticket.objects.implicit_decision_pending().filter(implicit_decision_on__lt=today)
    return list(pending.order_by("implicit_decision_on", "id").values_list("id", flat=True))


def implicit_decisions_to_warn(today: datetime.date) -> list[int]:
    """Tickets whose implicit-decision date is near and whose agents were not warned about that date yet."""
    pending = Ticket.objects.implicit_decision_pending().filter(
        implicit_decision_on__lte=implicit_decision_near_limit(today)
    )
    unwarned = pending.exclude(implicit_decision_warned_for=models.F("implicit_decision_on"))
    return list(unwarned.order_by("implicit_decision_on", "id").values_list("id", flat=True))


def acknowledgements_late_for(user) -> QuerySet[Ticket]:
    """The tickets ``user`` sees whose acknowledgement left late or has not left (CRPA R112-11-2), oldest first."""
    return (
        Ticket.objects.visible_to(user)
        .acknowledgement_late()
        .select_related("service", "request_type", "citizen")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class PeopleAffected:
    total: int
    # Followers we can tell nothing: no email or SMS they chose, no postal address (agents see them counted).
    without_contact: int


def people_affected(ticket: Ticket) -> int:
    """The author and everyone who said « moi aussi » or whose duplicate was merged into it (issue 17)."""
    return people_affected_counts(ticket).total


def people_affected_counts(ticket: Ticket) -> PeopleAffected:
    """``people_affected`` and how many of the followers have no way to be told, in one query."""
    counts = TicketFollower.objects.filter(ticket=ticket).aggregate(
        followers=Count("pk"), without_contact=Count("pk", filter=~reachable_condition("citizen__"))
    )
    return PeopleAffected(total=1 + counts["followers"], without_contact=counts["without_contact"])


def published_photos(ticket_ids: list[int]) -> dict[int, Attachment]:
    """The first photo an agent published of each of these tickets (one query): the nearby panel's thumbnails."""
    photos: dict[int, Attachment] = {}
    found = Attachment.objects.filter(ticket_id__in=ticket_ids, published_at__isnull=False).order_by(
        "published_at", "pk"
    )
    for photo in found.only("pk", "ticket_id", "public_id", "published_at", "public_description"):
        photos.setdefault(photo.ticket_id, photo)
    return photos


def published_photo(public_id: str) -> Attachment | None:
    """A published photo of an open request, the only attachments anyone may fetch without access to the ticket."""
    return (
        Attachment.objects.filter(public_id=public_id, published_at__isnull=False, ticket__in=Ticket.objects.open())
        .only("pk", "file", "public_id", "published_at", "content_type")
        .first()
    )
