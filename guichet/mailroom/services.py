"""Writes of the mail room: receiving a scan, reading it, splitting it. Qualification is in intake.channels.mail."""

import datetime
import hashlib
import io
import logging

import pypdfium2
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from PIL import Image

from guichet.accounts.models import User
from guichet.lib.storage import local_copy
from guichet.lib.text import fold
from guichet.lib.uploads import check_scan
from guichet.mailroom.models import MailItem, MailPage, MailSource, MailStatus, OcrStatus
from guichet.mailroom.ocr import read_scan

logger = logging.getLogger(__name__)


def mail_item_receive(
    *,
    path: str,
    name: str,
    source: str,
    received_on: datetime.date | None = None,
    created_by: User | None = None,
) -> tuple[MailItem, bool]:
    """Check a scan by content, then store it as a mail item to qualify and queue its reading.

    Returns ``(item, created)``: a file already received (same content) gives back the existing item,
    so a drop folder can be imported again and again. Raises ValidationError for a refused file.
    """
    name = name.rsplit("/", 1)[-1][-200:] or "scan"
    scan = check_scan(path, name=name)
    existing = MailItem.objects.filter(sha256=scan.sha256).first()
    if existing is not None:
        return existing, False
    item = MailItem(
        original_name=name,
        content_type=scan.content_type,
        size=scan.size,
        sha256=scan.sha256,
        page_count=scan.page_count,
        source=source,
        received_on=received_on or timezone.localdate(),
        created_by=created_by,
        search_text=fold(name),
    )
    try:
        with transaction.atomic():
            with open(path, "rb") as handle:
                item.file.save(name, File(handle), save=False)
            item.save()
            read_mail_item.enqueue(item.pk)
    except IntegrityError:  # the same file received at the same moment by another process
        return MailItem.objects.get(sha256=scan.sha256), False
    return item, True


@task()
def read_mail_item(item_id: int) -> str:
    """OCR and previews of a scan, in the worker: a few seconds per page, never in an agent's request."""
    return mail_item_read(item_id=item_id)


def mail_item_read(*, item_id: int) -> str:
    """Previews and OCR text of an item's pages; safe to run again (the pages are replaced)."""
    item = MailItem.objects.filter(pk=item_id).first()
    if item is None:
        return "gone"
    try:
        with local_copy(item.file) as path:  # Tesseract and pypdfium2 read a file: a temporary copy of the stored one
            reading = read_scan(path, item.content_type)
    except Exception as error:  # noqa: BLE001 (any failure is shown on the item; the scan itself is kept)
        logger.exception("Reading mail item %s failed", item_id)
        message = _("Lecture impossible : %(error)s") % {"error": str(error) or type(error).__name__}
        MailItem.objects.filter(pk=item_id).update(ocr_status=OcrStatus.FAILED, ocr_message=message[:300])
        return OcrStatus.FAILED
    with transaction.atomic():
        item = MailItem.objects.select_for_update().get(pk=item_id)
        item.pages.all().delete()
        for number, page in enumerate(reading.pages, start=1):
            mail_page = MailPage(item=item, number=number, width=page.width, height=page.height, text=page.text)
            mail_page.image.save(f"{number}.png", ContentFile(page.preview_png), save=False)
            mail_page.save()
        item.ocr_text = reading.text
        if reading.unavailable:
            item.ocr_status, item.ocr_message = OcrStatus.UNAVAILABLE, reading.unavailable[:300]
        else:
            item.ocr_status, item.ocr_message = OcrStatus.DONE, ""
        if reading.searchable_pdf:
            item.searchable_pdf.save("ocr.pdf", ContentFile(reading.searchable_pdf), save=False)
        item.search_text = fold(f"{item.original_name} {reading.text}")
        item.save(update_fields=["ocr_text", "ocr_status", "ocr_message", "searchable_pdf", "search_text"])
    return item.ocr_status


def mail_item_reread(*, item: MailItem) -> MailItem:
    """Queue the reading again (e.g. once Tesseract is installed)."""
    with transaction.atomic():
        MailItem.objects.filter(pk=item.pk).update(ocr_status=OcrStatus.PENDING, ocr_message="")
        read_mail_item.enqueue(item.pk)
    item.refresh_from_db()
    return item


def parse_page_ranges(text: str, *, page_count: int) -> list[tuple[int, int]]:
    """``"1-2, 3, 4-6"`` → ``[(1, 2), (3, 3), (4, 6)]``; ranges in order, not overlapping, within the scan."""
    ranges: list[tuple[int, int]] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        first, _sep, last = part.partition("-")
        try:
            start, end = int(first), int(last or first)
        except ValueError:
            raise ValidationError(
                _("« %(part)s » n'est pas une plage de pages (ex. 1-2)."), params={"part": part}
            ) from None
        if not 1 <= start <= end <= page_count:
            raise ValidationError(
                _("La plage « %(part)s » sort du scan (pages 1 à %(count)s)."),
                params={"part": part, "count": page_count},
            )
        if ranges and start <= ranges[-1][1]:
            raise ValidationError(_("Les plages doivent se suivre sans se chevaucher."))
        ranges.append((start, end))
    if len(ranges) < 2:
        raise ValidationError(_("Indiquez au moins deux plages de pages, une par courrier."))
    return ranges


def mail_item_split(*, item: MailItem, ranges: list[tuple[int, int]], agent: User) -> list[MailItem]:
    """Cut a scan holding several letters into one item per page range.

    The original stays (status "split"); each part is a new PDF with the pages' previews and text copied,
    so nothing is read twice.
    """
    with transaction.atomic():
        item = MailItem.objects.select_for_update().get(pk=item.pk)
        if not item.is_open:
            raise ValidationError(_("Ce courrier a déjà été traité."))
        pages = {page.number: page for page in item.pages.all()}
        parts = []
        for start, end in ranges:
            pdf = _pages_as_pdf(item, start, end)
            text = "\n\n".join(pages[n].text.strip() for n in range(start, end + 1) if n in pages)
            part = MailItem(
                original_name=f"{item.original_name} p{start}-{end}"[-200:],
                content_type="application/pdf",
                size=len(pdf),
                sha256=hashlib.sha256(pdf).hexdigest(),
                page_count=end - start + 1,
                source=MailSource.SPLIT,
                received_on=item.received_on,
                parent=item,
                first_page=start,
                created_by=agent,
                ocr_status=item.ocr_status,
                ocr_message=item.ocr_message,
                ocr_text=text,
                search_text=fold(f"{item.original_name} {text}"),
            )
            part.file.save("part.pdf", ContentFile(pdf), save=False)
            part.save()
            for n in range(start, end + 1):
                if (page := pages.get(n)) is not None:
                    MailPage.objects.create(
                        item=part, number=n - start + 1, image=page.image.name, width=page.width,
                        height=page.height, text=page.text,
                    )  # fmt: skip
            if len(pages) < item.page_count:  # not read yet: the part is read on its own
                read_mail_item.enqueue(part.pk)
            parts.append(part)
        item.status = MailStatus.SPLIT
        item.save(update_fields=["status"])
    return parts


def _pages_as_pdf(item: MailItem, start: int, end: int) -> bytes:
    """Pages start..end (1-based) of the scan as a PDF: copied from a PDF, converted from an image."""
    buffer = io.BytesIO()
    stored = item.searchable_pdf or item.file
    with local_copy(stored) as path:
        if item.searchable_pdf or item.content_type == "application/pdf":
            original = pypdfium2.PdfDocument(path)
            output = pypdfium2.PdfDocument.new()
            try:
                output.import_pages(original, list(range(start - 1, end)))
                output.save(buffer)
            finally:
                output.close()
                original.close()
            return buffer.getvalue()
        with Image.open(path) as image:
            frames = []
            for index in range(start - 1, end):
                image.seek(index)
                frames.append(image.convert("RGB") if image.mode not in {"1", "L", "RGB"} else image.copy())
            frames[0].save(buffer, format="PDF", save_all=True, append_images=frames[1:], resolution=300.0)
    return buffer.getvalue()
