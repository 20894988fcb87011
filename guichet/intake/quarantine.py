"""Received emails on record, and the quarantine: messages that could not become a ticket on their own.

An agent (reception, supervisors, administrators) reads the kept message, then turns it into a ticket
(choosing the request type) or discards it; who did it and when is kept.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.intake.mime import storable
from guichet.intake.models import InboundEmail, InboundOutcome, QuarantineResolution
from guichet.lib.uploads import CheckedUpload
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import ticket_create


class AlreadyHandled(TicketActionError):
    default_message = _("Ce message a déjà été traité par un autre agent.")


def inbound_record(
    *,
    raw: bytes | None,
    message_id: str,
    sender: str,
    subject: str,
    ticket: Ticket | None,
    outcome: str,
    reason: str = "",
    set_aside: list[dict] | None = None,
) -> InboundEmail:
    """Record a received message (raises IntegrityError if its Message-ID is already recorded)."""
    inbound = InboundEmail(
        message_id=storable(message_id)[:255],
        sender=storable(sender)[:254],
        subject=storable(subject)[:255],
        ticket=ticket,
        outcome=outcome,
        reason=storable(reason)[:255],
        set_aside=set_aside or [],
        size=len(raw) if raw is not None else 0,
    )
    if raw is not None:
        inbound.raw.save(f"{inbound.public_id}.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            inbound.save()
    except Exception:
        if inbound.raw:
            inbound.raw.delete(save=False)
        raise
    return inbound


def inbound_quarantine(*, raw: bytes, message_id: str, sender: str, subject: str, reason: str) -> InboundEmail:
    """Keep a message whole for an agent to handle by hand."""
    return inbound_record(
        raw=raw,
        message_id=message_id,
        sender=sender,
        subject=subject,
        ticket=None,
        outcome=InboundOutcome.QUARANTINED,
        reason=reason,
    )


def quarantine_pending() -> QuerySet[InboundEmail]:
    return InboundEmail.objects.filter(outcome=InboundOutcome.QUARANTINED, resolution=QuarantineResolution.PENDING)


def inbound_ticket_create(
    *,
    inbound: InboundEmail,
    actor: User,
    request_type: RequestType,
    citizen: Citizen | None,
    subject: str,
    body: str,
    uploads: list[CheckedUpload],
) -> Ticket:
    """An agent turns a quarantined message into a ticket; the message records by whom and when."""
    with transaction.atomic():
        inbound = _lock_pending(inbound)
        ticket = ticket_create(
            request_type=request_type,
            citizen=citizen,
            channel=Channel.EMAIL,
            subject=subject,
            answers=[{"code": "message", "label": "Message", "kind": "long_text", "value": body}],
            uploads=[("", upload) for upload in uploads],
            entered_by=actor,
            received_at=inbound.received_at,
            acknowledge=citizen is not None and bool(citizen.email),
        )
        _resolve(inbound, actor, QuarantineResolution.TICKETED, ticket=ticket)
    return ticket


def inbound_discard(*, inbound: InboundEmail, actor: User) -> InboundEmail:
    """An agent decides the message needs no ticket; it stays on record (who, when), out of the queue."""
    with transaction.atomic():
        inbound = _lock_pending(inbound)
        _resolve(inbound, actor, QuarantineResolution.DISCARDED)
    return inbound


def _lock_pending(inbound: InboundEmail) -> InboundEmail:
    locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if not locked.in_quarantine:
        raise AlreadyHandled()
    return locked


def _resolve(inbound: InboundEmail, actor: User, resolution: str, *, ticket: Ticket | None = None) -> None:
    inbound.resolution = resolution
    inbound.resolved_by = actor
    inbound.resolved_at = timezone.now()
    fields = ["resolution", "resolved_by", "resolved_at"]
    if ticket is not None:
        inbound.ticket = ticket
        fields.append("ticket")
    inbound.save(update_fields=fields)
