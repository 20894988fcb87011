"""Poll the town hall's mailbox: every unseen message goes through the email channel, then is marked seen.

A message whose handling fails stays unseen and is tried again at the next poll; one already handled
(same Message-ID) is recognised by the email channel and not handled twice.
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from imapclient import IMAPClient

from guichet.intake.channels.email import Received, email_receive

logger = logging.getLogger(__name__)


def imap_fetch(*, limit: int = 200) -> list[Received]:
    if not settings.IMAP_HOST:
        raise ImproperlyConfigured("IMAP_HOST is not set: configure the mailbox to poll (see .env.example).")
    results = []
    with IMAPClient(settings.IMAP_HOST, port=settings.IMAP_PORT, ssl=settings.IMAP_SSL, timeout=30) as client:
        client.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        client.select_folder(settings.IMAP_FOLDER)
        for uid in client.search(["UNSEEN"])[:limit]:
            raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]  # PEEK: still unseen if we fail
            try:
                results.append(email_receive(raw))
            except Exception:  # one bad message must not block the mailbox; it is retried next time
                logger.exception("Inbound email UID %s could not be handled; left unseen", uid)
                continue
            client.add_flags([uid], [b"\\Seen"])
    return results
