"""Answers by post: a letter PDF for a French window envelope, queued for the mail room to print and post.

Layout (A4 folded in three, 99 mm panels, into a DL envelope of 220 × 110 mm): the usual French DL
window envelope ("fenêtre 45 × 100 à droite") has its 100 × 45 mm window 20 mm from the right edge and
15 mm from the bottom edge, i.e. x = 90–190 mm and y = 50–95 mm on the sheet. The address block is kept
inside it with a margin (x = 100 mm, y = 55 mm, 85 mm wide), so the play of the sheet in the envelope
never hides a line. At most 6 lines; La Poste's addressing norm (NF Z 10-011) asks for 38 characters a
line and the town in capitals: longer lines wrap inside the block rather than being cut.
"""

import hashlib
import io
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from guichet.accounts.models import User
from guichet.citizens.models import Citizen, ContactChannel
from guichet.lib.pdf import weasyprint as weasyprint_module
from guichet.lib.storage import local_copy
from guichet.lib.uploads import CheckedUpload
from guichet.mailroom.models import Letter, LetterStatus
from guichet.notifications.rendering import follower_context
from guichet.organisation.models import Commune
from guichet.surveys.models import REOPENED_FROM, InvitationChannel, Survey
from guichet.tickets.acknowledgement import acknowledgement
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Message, Ticket
from guichet.tickets.services import ticket_sent_by_post
from guichet.tickets.surveys import survey_paper_code, survey_withdraw_code

# Window of a DL window envelope, on the A4 sheet, in mm (see the module docstring).
WINDOW = {"left": 90.0, "top": 50.0, "width": 100.0, "height": 45.0}
ADDRESS = {"left": 100.0, "top": 55.0, "width": 85.0, "left_in_area": 80.0}  # the page area starts at x = 20 mm
ADDRESS_MAX_LINES = 6
ADDRESS_MAX_CHARS = 38
# The implicit decision (CRPA L231-1, L231-4) prints its system message: acceptance, or rejection and the appeals.
POSTAL_TEMPLATES = frozenset({"agent_reply", "info_requested", "implicit_decision"})
# What a follower answered by post is sent (notifications.models.FOLLOWER_TEMPLATES).
FOLLOWER_TEMPLATES = frozenset({"follower_added", "follower_update"})
# The satisfaction survey goes by post only on the answer's letter, never in an envelope of its own.
SURVEY_TEMPLATE = "survey"
# A letter received by post is acknowledged by post when there is no email or SMS to send.
POSTAL_ACKNOWLEDGED_CHANNELS = frozenset({Channel.MAIL})


def citizen_wants_post(citizen: Citizen) -> bool:
    """Post when the citizen asked for it, or when there is no email or SMS to send; only with an address."""
    if not citizen.has_postal_address:
        return False
    return citizen.preferred_channel == ContactChannel.POST or not (citizen.wants_email or citizen.wants_sms)


def letter_queue(
    *,
    ticket: Ticket,
    template: str,
    message_id: int | None,
    follower: Citizen | None = None,
    key: str = "",
    context: dict[str, Any] | None = None,
) -> Letter | None:
    """Inside the reply's transaction: the letter row (address as of now) and its rendering task.

    The post's transport, registered with notifications (``MailroomConfig.ready``): ``notify_citizen`` calls it,
    and ``notify_followers`` for each follower (``follower``, ``key``).
    """
    if follower is not None:
        return _follower_letter(ticket=ticket, template=template, follower=follower, key=key, context=context or {})
    citizen = ticket.citizen
    if template == SURVEY_TEMPLATE:
        return _letter_add_survey(ticket) if citizen is not None and citizen_wants_post(citizen) else None
    wanted = template in POSTAL_TEMPLATES or (
        template == "acknowledgement" and ticket.channel in POSTAL_ACKNOWLEDGED_CHANNELS
    )
    if citizen is None or not wanted or not citizen_wants_post(citizen):
        return None
    already = (
        Letter.objects.filter(message_id=message_id)
        if message_id
        else Letter.objects.filter(ticket=ticket, template=template, message=None)
    )
    if already.exists():
        return None
    return _letter_to(citizen, ticket=ticket, message_id=message_id, template=template)


def _follower_letter(
    *, ticket: Ticket, template: str, follower: Citizen, key: str, context: dict[str, Any]
) -> Letter | None:
    """A follower answered by post (issue 17): a letter of its own, saying what changed, never the author's words."""
    if template not in FOLLOWER_TEMPLATES or not key or not citizen_wants_post(follower):
        return None
    if Letter.objects.filter(key=key).exists():
        return None
    return _letter_to(follower, ticket=ticket, template=template, follower=follower, key=key, context=context)


def _letter_to(person: Citizen, **fields: Any) -> Letter:
    """The letter row, addressed to ``person`` as of now, and its rendering task."""
    letter = Letter.objects.create(recipient_name=person.full_name, address_lines=_address_lines(person), **fields)
    render_letter.enqueue(letter.pk)
    return letter


def _letter_add_survey(ticket: Ticket) -> Letter | None:
    """The survey invitation of a citizen answered by post: its code goes on the answer's letter, queued just before
    in the same transaction (``tickets.services`` offers the survey right after the reply). Nothing when no answer
    letter waits, or when a printed code of this round of handling is still unanswered (counter receipt, letter)."""
    letter = (
        Letter.objects.filter(ticket=ticket, template__in=POSTAL_TEMPLATES, status=LetterStatus.TO_PRINT, pdf="")
        .order_by("-created_at", "-pk")
        .first()
    )
    if letter is None or letter.carries_survey:
        return None
    reopened = (
        Event.objects.filter(
            ticket=ticket, kind=EventKind.STATUS_CHANGED, from_status__in=REOPENED_FROM, to_status=Status.IN_PROGRESS
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    codes = Survey.objects.filter(ticket=ticket, channel=InvitationChannel.PAPER, answered_at__isnull=True)
    pending = Letter.objects.filter(ticket=ticket, carries_survey=True, pdf="")
    if reopened is not None:
        codes = codes.filter(created_at__gt=reopened)
    if codes.exists() or pending.exists():
        return None
    letter.carries_survey = True
    letter.save(update_fields=["carries_survey"])
    return letter


def _address_lines(citizen: Citizen) -> list[str]:
    # La Poste wants the last line (postcode and town) in capitals. A line longer than the norm's 38
    # characters is wrapped inside the window by the layout, never cut: a truncated address is lost mail.
    lines = [citizen.full_name, citizen.street, f"{citizen.postcode} {citizen.city.upper()}"]
    return [line for line in lines if line][:ADDRESS_MAX_LINES]


def letter_pdf(letter: Letter, *, survey_code: str = "") -> bytes:
    weasyprint = weasyprint_module()
    message = (
        Message.objects.select_related("author").filter(pk=letter.message_id).first() if letter.message_id else None
    )
    ticket = letter.ticket
    context: dict[str, Any] = {
        "commune": Commune.current(),
        "letter": letter,
        "ticket": ticket,
        "message": message,
        "agent": message.author if message else None,
        "service": ticket.service,
        "date": timezone.localdate(letter.created_at),
        "tracking_url": settings.SITE_URL + reverse("portal:track"),
        "window": WINDOW,
        "address": ADDRESS,
        "survey_code": survey_code,
        "survey_url": settings.SITE_URL + reverse("portal:survey_code"),
    }
    if letter.follower_id is not None:
        context.update(follower_context(letter.context), added=letter.template == "follower_added")
    with translation.override("fr"):
        if letter.template == "acknowledgement":
            context["ack"] = acknowledgement(ticket)
        html = render_to_string("mailroom/letter.html", context)
    document = weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf()


def letter_render(letter: Letter) -> Letter:
    """The letter's PDF, made once and kept: what is printed is what was stored."""
    if letter.pdf:
        return letter
    # The survey's secret is drawn here, printed, and only its hash kept.
    code = survey_paper_code(ticket=letter.ticket) if letter.carries_survey else ""
    pdf = letter_pdf(letter, survey_code=code)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if not locked.pdf:
            locked.pdf.save(f"{letter.ticket.reference}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["pdf"])
        elif code:
            survey_withdraw_code(code)  # another process made the letter first: this code is printed nowhere
    letter.refresh_from_db()
    return letter


@task()
def render_letter(letter_id: int) -> str:
    letter = Letter.objects.select_related("ticket").filter(pk=letter_id).first()
    return (letter_render(letter).pdf.name or "") if letter else "gone"


def letters_batch_pdf(letters: Iterable[Letter]) -> bytes:
    """Every letter in one PDF, for one print job."""
    import pypdfium2  # only when printing: keeps it out of every process's start-up

    output = pypdfium2.PdfDocument.new()
    try:
        for letter in letters:
            letter_render(letter)
            with local_copy(letter.pdf, suffix=".pdf") as path:  # pypdfium2 reads a file, not the storage
                source = pypdfium2.PdfDocument(path)
                output.import_pages(source)
                source.close()
        buffer = io.BytesIO()
        output.save(buffer)
        return buffer.getvalue()
    finally:
        output.close()


def letters_mark_sent(*, letters: Iterable[Letter], agent: User) -> int:
    """Posted: each ticket records "sent by post" on its timeline, with the letter's PDF attached."""
    count = 0
    for letter in letters:
        letter_render(letter)
        with transaction.atomic():
            locked = Letter.objects.select_for_update().select_related("ticket").get(pk=letter.pk)
            if locked.status != LetterStatus.TO_PRINT:
                continue
            locked.status = LetterStatus.SENT
            locked.sent_at = timezone.now()
            locked.sent_by = agent
            locked.save(update_fields=["status", "sent_at", "sent_by"])
            with locked.pdf.open("rb") as handle:
                pdf = File(handle, name=f"courrier-{locked.ticket.reference_display}.pdf")
                letter_file = CheckedUpload(
                    file=pdf,
                    name=pdf.name or "courrier.pdf",
                    content_type="application/pdf",
                    size=locked.pdf.size,
                    sha256=_sha256(handle),
                )
                handle.seek(0)
                ticket_sent_by_post(
                    ticket=locked.ticket,
                    agent=agent,
                    letter=letter_file,
                    message=locked.message,
                    recipient=locked.recipient_name,
                    acknowledgement=locked.template == "acknowledgement",
                    to_follower=locked.follower_id is not None,
                )
            count += 1
    return count


def _sha256(handle) -> str:
    return hashlib.file_digest(handle, "sha256").hexdigest()
