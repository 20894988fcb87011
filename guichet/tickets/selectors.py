"""Reads of tickets, each with the joins its page needs (no N+1)."""

from django.db.models import Prefetch, QuerySet

from guichet.tickets.models import Attachment, Event, EventKind, Message, Ticket, Visibility

CITIZEN_TIMELINE_KINDS = (EventKind.CREATED, EventKind.STATUS_CHANGED)


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


def acknowledgements_late_for(user) -> QuerySet[Ticket]:
    """The tickets ``user`` sees whose acknowledgement left late or has not left (CRPA R112-11-2), oldest first."""
    return (
        Ticket.objects.visible_to(user)
        .acknowledgement_late()
        .select_related("service", "request_type", "citizen")
        .order_by("created_at", "pk")
    )
