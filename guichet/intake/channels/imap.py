"""Poll the town hall's mailbox: every message not yet imported goes through the email channel.

What was imported is tracked by the folder's UIDVALIDITY and each message's UID (``Mailbox``,
``MailboxMessage``), never by the \\Seen flag: a person reading the shared mailbox hides nothing from
Guichet. A message whose storage fails is tried again at the next poll; one already stored is never
imported twice (its UID is recorded, and the email channel also recognises its Message-ID, which
covers a mailbox whose UIDVALIDITY changed). Imported messages are then flagged \\Seen as a courtesy.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from imapclient import IMAPClient

from guichet.intake.channels.email import Received, email_receive, message_id_of
from guichet.intake.models import Mailbox, MailboxMessage

logger = logging.getLogger(__name__)


def mailbox_key() -> str:
    return f"{settings.IMAP_USER}@{settings.IMAP_HOST}:{settings.IMAP_PORT}/{settings.IMAP_FOLDER}"[:255]


def imap_fetch(*, limit: int | None = None) -> list[Received]:
    if not settings.IMAP_HOST:
        raise ImproperlyConfigured("IMAP_HOST is not set: configure the mailbox to poll (see .env.example).")
    limit = limit or settings.IMAP_FETCH_BATCH
    results = []
    with IMAPClient(settings.IMAP_HOST, port=settings.IMAP_PORT, ssl=settings.IMAP_SSL, timeout=30) as client:
        client.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        folder = client.select_folder(settings.IMAP_FOLDER)
        mailbox = _mailbox(int(folder[b"UIDVALIDITY"]))
        # "n:*" always answers the highest UID, even below n: filter again.
        candidates = [
            uid for uid in client.search(["UID", f"{mailbox.handled_through + 1}:*"]) if uid > mailbox.handled_through
        ]
        done = set(
            MailboxMessage.objects.filter(
                mailbox=mailbox, uid_validity=mailbox.uid_validity, uid__in=candidates
            ).values_list("uid", flat=True)
        )
        failed: list[int] = []
        for uid in sorted(set(candidates) - done)[:limit]:
            received = _import(client, mailbox, uid)
            if received is None:
                failed.append(uid)
            else:
                results.append(received)
        _advance(mailbox, candidates, failed)
    return results


def _mailbox(uid_validity: int) -> Mailbox:
    mailbox, _created = Mailbox.objects.get_or_create(key=mailbox_key())
    if mailbox.uid_validity != uid_validity:
        # The server renumbered the folder: every message is looked at again; Message-IDs prevent duplicates.
        if mailbox.uid_validity:
            logger.warning("IMAP folder %s: UIDVALIDITY changed, re-reading it", mailbox.key)
        mailbox.uid_validity, mailbox.handled_through = uid_validity, 0
        mailbox.save(update_fields=["uid_validity", "handled_through"])
    return mailbox


def _import(client: IMAPClient, mailbox: Mailbox, uid: int) -> Received | None:
    try:
        fetched = client.fetch([uid], ["BODY.PEEK[]"])  # PEEK: the flags people see stay as they are
        raw = fetched[uid][b"BODY[]"]
        received = email_receive(raw)
        with transaction.atomic():
            MailboxMessage.objects.get_or_create(
                mailbox=mailbox,
                uid_validity=mailbox.uid_validity,
                uid=uid,
                defaults={"message_id": message_id_of(raw)[:255]},
            )
    except Exception:  # the message is not stored (database down…): it is retried at the next poll
        logger.exception("Inbound email UID %s of %s could not be stored; retried next time", uid, mailbox.key)
        return None
    try:
        client.add_flags([uid], [b"\\Seen"])
    except Exception:
        logger.warning("Could not flag UID %s as seen in %s", uid, mailbox.key)
    return received


def _advance(mailbox: Mailbox, candidates: list[int], failed: list[int]) -> None:
    """Move the watermark up to the first UID not stored, so later polls only look above it."""
    recorded = set(
        MailboxMessage.objects.filter(
            mailbox=mailbox, uid_validity=mailbox.uid_validity, uid__in=candidates
        ).values_list("uid", flat=True)
    )
    through = mailbox.handled_through
    for uid in sorted(candidates):
        if uid in failed or uid not in recorded:
            break
        through = uid
    Mailbox.objects.filter(pk=mailbox.pk).update(handled_through=through, polled_at=timezone.now())
