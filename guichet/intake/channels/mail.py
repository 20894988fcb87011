"""Postal mail: a mail-room agent qualifies a scanned letter into a new ticket, or into an existing ticket's thread.

The scan (with its OCR text layer when there is one) becomes the ticket's attachment, the recognised
text is kept in the answers (so the back-office search finds it), the date of receipt is the ticket's date.
"""

import datetime
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.citizens.services import FROM_AGENT, citizen_for_submission
from guichet.lib.uploads import CheckedUpload
from guichet.mailroom.models import MailItem, MailStatus
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.services import message_post_by_citizen, ticket_create

OCR_TEXT_CODE = "texte_courrier"
SUMMARY_CODE = "resume_courrier"


def mail_submit(
    *,
    item: MailItem,
    request_type: RequestType,
    citizen: Citizen | None,
    new_citizen: dict[str, Any] | None,
    summary: str,
    agent: User,
    uploads: list[CheckedUpload] | None = None,
    submission_key: uuid.UUID | None = None,
) -> Ticket:
    """One transaction: the citizen (chosen or new), the ticket on channel ``mail`` with the scan attached,
    dated from the letter's receipt, acknowledged the way the letter can be answered, and the item qualified.

    Nobody asked the writer how to be answered: a new record gets the way their letter allows (email,
    else SMS on a mobile, else post) and a known one keeps its preferences.
    """
    with transaction.atomic():
        item = _lock_open(item)
        citizen = citizen_for_submission(rules=FROM_AGENT, citizen=citizen, **(new_citizen or {}))
        answers = [{"code": SUMMARY_CODE, "label": _("Résumé du courrier"), "kind": "long_text", "value": summary}]
        if item.ocr_text:
            answers.append(
                {
                    "code": OCR_TEXT_CODE,
                    "label": _("Texte reconnu du courrier"),
                    "kind": "long_text",
                    "value": item.ocr_text,
                }
            )
        with _scan_upload(item) as upload:
            ticket = ticket_create(
                request_type=request_type,
                citizen=citizen,
                channel=Channel.MAIL,
                answers=answers,
                uploads=[("courrier", upload), *(("", extra) for extra in uploads or [])],
                entered_by=agent,
                subject=summary.split("\n", 1)[0],
                submission_key=submission_key,
                received_at=_start_of(item.received_on),
            )
        _qualified(item, ticket, agent)
    return ticket


def mail_attach_to_thread(*, item: MailItem, ticket: Ticket, agent: User) -> Ticket:
    """The letter answers an existing request: it joins that ticket's thread as the citizen's message."""
    with transaction.atomic():
        item = _lock_open(item)
        body = item.ocr_text or _("Courrier reçu le %(date)s : voir le scan joint.") % {
            "date": f"{item.received_on:%d/%m/%Y}"
        }
        with _scan_upload(item) as upload:
            message_post_by_citizen(ticket=ticket, body=body, channel=Channel.MAIL, uploads=[upload], entered_by=agent)
        _qualified(item, ticket, agent)
    return ticket


def _lock_open(item: MailItem) -> MailItem:
    item = MailItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise ValidationError(_("Ce courrier a déjà été traité."))
    return item


def _qualified(item: MailItem, ticket: Ticket, agent: User) -> None:
    item.status = MailStatus.QUALIFIED
    item.ticket = ticket
    item.qualified_by = agent
    item.qualified_at = timezone.now()
    item.save(update_fields=["status", "ticket", "qualified_by", "qualified_at"])


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


@contextmanager
def _scan_upload(item: MailItem) -> Iterator[CheckedUpload]:
    """The scan as an upload for the ticket: the searchable PDF when the OCR made one, else the file as scanned."""
    searchable = bool(item.searchable_pdf)
    stored = item.searchable_pdf if searchable else item.file
    name = item.original_name.rsplit(".", 1)[0] + ".pdf" if searchable else item.original_name
    with stored.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        handle.seek(0)
        yield CheckedUpload(
            file=File(handle, name=name),
            name=name,
            content_type="application/pdf" if searchable else item.content_type,
            size=stored.size,
            sha256=digest,
        )
