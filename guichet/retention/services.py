"""Anonymise a ticket, or a citizen, everywhere their personal data lives (docs/RETENTION.md has the table).

``anonymise_ticket`` is the one entry point: the daily job calls it under a policy, the back office's « anonymise
now » (rights requests) with the agent and a reason. The ticket's own rows change through
``tickets.services.ticket_anonymise``; this module cleans what the other apps keep about it, in the same
transaction, and deletes the files once it has committed.
"""

import datetime
import hashlib
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from guichet.accounts.models import TicketSeen, User
from guichet.citizens.models import Citizen
from guichet.intake.models import InboundEmail
from guichet.mailroom.models import Letter, MailItem, MailPage
from guichet.notifications.models import DeliveryAttempt, Notification
from guichet.notifications.services import notifications_withdraw
from guichet.retention.policies import Policy
from guichet.surveys.models import Survey
from guichet.tickets import services as ticket_services
from guichet.tickets.models import Ticket, TicketFollower

WITHDRAWN = "Données effacées (durée de conservation)"
FORGOTTEN = "effacé:"  # the Message-ID of a received email whose content is gone, kept as its hash


def anonymise_ticket(
    ticket: Ticket, *, policy: Policy | None = None, actor: User | None = None, reason: str = ""
) -> bool:
    """Remove the ticket's personal data everywhere, under ``policy`` (the job) or by ``actor`` (a rights request).

    False, changing nothing, for a ticket under legal hold or already anonymised. The citizen record goes too
    once it has no ticket left and no account.
    """
    with transaction.atomic():
        citizen_id = ticket.citizen_id
        if not anonymise_ticket_only(ticket, policy=policy, actor=actor, reason=reason):
            return False
        if citizen_id is not None:
            citizens_delete_orphans(ids=[citizen_id])
    return True


def anonymise_ticket_only(
    ticket: Ticket, *, policy: Policy | None = None, actor: User | None = None, reason: str = ""
) -> bool:
    """``anonymise_ticket`` without the citizen record: the job deletes the orphan records once per batch."""
    label = policy.label if policy is not None else "demande de l'usager"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A crash may lose the last commits without harm: the ticket is simply anonymised again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if ticket_services.ticket_anonymise(ticket=ticket, policy=label, actor=actor, reason=reason) is None:
            return False
        files = _forget_around([ticket.pk])
        transaction.on_commit(lambda: files_delete(files))
    return True


def delete_ticket(ticket: Ticket) -> bool:
    """A policy that deletes: what the other apps keep goes first, then the ticket and its rows."""
    with transaction.atomic():
        citizen_id = ticket.citizen_id
        files = _forget_around([ticket.pk])
        if not ticket_services.ticket_delete_expired(ticket=ticket):
            transaction.set_rollback(True)
            return False
        if citizen_id is not None:
            citizens_delete_orphans(ids=[citizen_id])
        transaction.on_commit(lambda: files_delete(files))
    return True


def anonymise_citizen(citizen: Citizen, *, actor: User, reason: str) -> list[str]:
    """An erasure request: every ticket of the citizen is anonymised now (those under legal hold stay).

    The record itself is deleted when no ticket is left on it and it has no account (an account is deleted
    through ``accounts.services.account_delete``). Returns the references of the tickets kept by a legal hold.
    """
    held = []
    for ticket in Ticket.objects.filter(citizen=citizen).order_by("pk"):
        if not anonymise_ticket(ticket, actor=actor, reason=reason):
            held.append(ticket.reference)
    citizens_delete_orphans(ids=[citizen.pk])
    return held


def citizens_delete_orphans(*, ids: Iterable[int] | None = None, idle_before: datetime.datetime | None = None) -> int:
    """Delete the citizen records with no ticket and no account: ``ids``, or every one idle since ``idle_before``."""
    orphans = (
        Citizen.objects.filter(user__isnull=True)
        .exclude(Exists(Ticket.objects.filter(citizen=OuterRef("pk"))))
        # A follower (« moi aussi ») is told of the ticket's answer: their record stays while they follow one.
        .exclude(Exists(TicketFollower.objects.filter(citizen=OuterRef("pk"))))
    )
    if ids is not None:
        orphans = orphans.filter(pk__in=list(ids))
    else:
        orphans = orphans.filter(updated_at__lt=idle_before)
    _, by_model = orphans.delete()
    return by_model.get(Citizen._meta.label, 0)


def inbound_emails_forget(emails: QuerySet[InboundEmail]) -> list[str]:
    """Received emails keep their outcome and date; sender, subject, raw message and set-aside list go.

    The Message-ID (it may name the sender's host) is replaced by its hash, which stays unique; polled
    folders are tracked by UID (``MailboxMessage``), so nothing is imported twice."""
    files: list[str] = []
    for email in emails.exclude(message_id__startswith=FORGOTTEN):
        if email.raw.name:
            files.append(email.raw.name)
        email.message_id = FORGOTTEN + "sha256:" + hashlib.sha256(email.message_id.encode()).hexdigest()
        email.sender = email.subject = email.reason = ""
        email.raw = ""
        email.set_aside = []
        email.save(update_fields=["message_id", "sender", "subject", "reason", "raw", "set_aside"])
    return files


def mail_items_forget(items: QuerySet[MailItem]) -> list[str]:
    """Scanned letters keep their dates and statuses; the scan, its pages and the text read on them go."""
    ids = list(items.values_list("pk", flat=True))
    if not ids:
        return []
    files = [
        name
        for row in MailItem.objects.filter(pk__in=ids).values_list("file", "searchable_pdf")
        for name in row
        if name
    ]
    pages = MailPage.objects.filter(item_id__in=ids)
    files += [name for name in pages.values_list("image", flat=True) if name]
    pages.delete()
    MailItem.objects.filter(pk__in=ids).update(
        file="", searchable_pdf="", original_name="", ocr_text="", ocr_message="", search_text=""
    )
    return files


def _forget_around(ticket_ids: list[int]) -> list[str]:
    """What the other apps keep about these tickets: notifications, letters, scans, emails, read marks."""
    has = _what_exists(ticket_ids)
    files: list[str] = []
    if has["has_notifications"]:
        notifications = Notification.objects.filter(ticket_id__in=ticket_ids)
        notifications_withdraw(notifications=notifications, reason=WITHDRAWN)
        notifications.update(subject="", last_error="")
        DeliveryAttempt.objects.filter(notification__ticket_id__in=ticket_ids).update(error="")
    if has["has_letters"]:
        letters = Letter.objects.filter(ticket_id__in=ticket_ids)
        files += [name for name in letters.values_list("pdf", flat=True) if name]
        letters.delete()
    if has["has_scans"]:
        items = MailItem.objects.filter(Q(ticket_id__in=ticket_ids) | Q(parts__ticket_id__in=ticket_ids)).distinct()
        # A split scan holds the letters of other tickets too: it goes once none of its parts has a live ticket.
        live_parts = MailItem.objects.filter(parent=OuterRef("pk"), ticket__anonymised_at__isnull=True).exclude(
            ticket_id__in=ticket_ids
        )
        files += mail_items_forget(items.exclude(Exists(live_parts.exclude(ticket__isnull=True))))
    if has["has_emails"]:
        files += inbound_emails_forget(InboundEmail.objects.filter(ticket_id__in=ticket_ids))
    if has["has_seen"]:
        TicketSeen.objects.filter(ticket_id__in=ticket_ids).delete()
    # A survey keeps its ratings (statistics) but not the citizen's own words.
    Survey.objects.filter(ticket_id__in=ticket_ids).exclude(comment="").update(comment="")
    return files


def _what_exists(ticket_ids: list[int]) -> dict[str, bool]:
    """One query for the five kinds of rows: most old tickets have few of them (the job's cost is its queries)."""
    row = (
        Ticket.objects.filter(pk=ticket_ids[0])
        .annotate(
            has_notifications=Exists(Notification.objects.filter(ticket_id__in=ticket_ids)),
            has_letters=Exists(Letter.objects.filter(ticket_id__in=ticket_ids)),
            has_scans=Exists(MailItem.objects.filter(Q(ticket_id__in=ticket_ids) | Q(parts__ticket_id__in=ticket_ids))),
            has_emails=Exists(InboundEmail.objects.filter(ticket_id__in=ticket_ids)),
            has_seen=Exists(TicketSeen.objects.filter(ticket_id__in=ticket_ids)),
        )
        .values("has_notifications", "has_letters", "has_scans", "has_emails", "has_seen")
        .get()
    )
    return {name: bool(value) for name, value in row.items()}


def files_delete(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)
