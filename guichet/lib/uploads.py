"""Upload checks by content (never by name or declared type), plus form fields that apply them.

Contract of ``check_upload`` and ``check_scan``: they return, or raise ``django.core.exceptions.ValidationError``
with a French message naming the file and one of these codes: ``empty``, ``too_large``, ``bad_type``,
``bad_image``, ``bad_pdf``, ``no_pages``, ``too_many_pages``, ``too_many_pixels``. Never anything else: whatever
a decoder raises on a file it cannot read (Pillow's ValueError, TypeError, KeyError…, pypdfium2's PdfiumError)
becomes ``bad_image`` or ``bad_pdf``.
"""

import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image

from guichet.lib.heif import enable_heif

enable_heif()

ACCEPTED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
ACCEPT_ATTRIBUTE = (
    ".pdf,.jpg,.jpeg,.png,.webp,.heic,.heif,application/pdf,image/jpeg,image/png,image/webp,image/heic,image/heif"
)
MAX_IMAGE_PIXELS = 40_000_000  # about 7,000 × 5,700: more than any phone photo, far below a bomb
# Pages are rasterised at this resolution for OCR and previews: the pixel limit applies to PDF pages at that size.
SCAN_DPI = 300

logger = logging.getLogger(__name__)
# PDFium is not thread-safe, and web uploads are now opened in gunicorn's gthread workers: one document at a time.
pdfium_lock = threading.Lock()


@dataclass(frozen=True)
class CheckedUpload:
    file: File
    name: str
    content_type: str
    size: int
    sha256: str


def accepted_types_label() -> str:
    return ", ".join(sorted(set(ACCEPTED_TYPES.values())))


def check_upload(upload: UploadedFile) -> CheckedUpload:
    name = (upload.name or "fichier").rsplit("/", 1)[-1][-200:]
    max_bytes = settings.GUICHET_ATTACHMENT_MAX_BYTES
    if (upload.size or 0) > max_bytes:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(max)s Mo."),
            params={"name": name, "max": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide."), params={"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas d'un type accepté (%(types)s)."),
            params={"name": name, "types": accepted_types_label()},
            code="bad_type",
        )
    if kind.mime in {"image/jpeg", "image/png", "image/webp", "image/heic"}:
        _check_image(upload, name)
    elif kind.mime == "application/pdf":
        _check_uploaded_pdf(upload, name)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        file=upload, name=name, content_type=kind.mime, size=upload.size or 0, sha256=digest.hexdigest()
    )


def _unreadable_image(name: str) -> ValidationError:
    return ValidationError(
        _("L'image « %(name)s » est illisible ou endommagée."), params={"name": name}, code="bad_image"
    )


def _unreadable_pdf(name: str) -> ValidationError:
    return ValidationError(
        _("Le PDF « %(name)s » est illisible, endommagé ou protégé par un mot de passe."),
        params={"name": name},
        code="bad_pdf",
    )


@contextmanager
def _decoding(*, unreadable: ValidationError, too_large: ValidationError) -> Iterator[None]:
    """Whatever a decoder raises on a file it cannot read refuses the file: a crafted or truncated file
    makes Pillow and pdfium raise nearly anything (ValueError, TypeError, KeyError, EOFError, PdfiumError…)."""
    try:
        yield
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses to open it at all (over twice its own limit), so the size is unknown here.
        raise too_large from None
    except Exception as problem:
        logger.info("Unreadable file refused (%s: %s)", type(problem).__name__, problem)
        raise unreadable from None


def _check_image(upload: UploadedFile, name: str) -> None:
    too_large = ValidationError(
        _("L'image « %(name)s » est trop grande."), params={"name": name}, code="too_many_pixels"
    )
    try:
        with _decoding(unreadable=_unreadable_image(name), too_large=too_large), Image.open(upload) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("L'image « %(name)s » est trop grande (%(w)s × %(h)s pixels)."),
                    params={"name": name, "w": width, "h": height},
                    code="too_many_pixels",
                )
            if image.format == "JPEG":
                # Pillow's verify() ignores JPEG data: decode it instead, at 1/8 scale to stay cheap.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
            elif image.format == "HEIF":
                image.load()  # no verify() for HEIF: decode it (it is re-encoded as JPEG anyway)
            else:
                image.verify()
    finally:
        upload.seek(0)


def _check_uploaded_pdf(upload: UploadedFile, name: str) -> None:
    """A PDF that pdfium can open, with at least one page whose size it can read."""
    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload.read()
    try:
        _check_pdf_pages(source, name, max_pages=None, pixel_limit=False)
    finally:
        upload.seek(0)


class AttachmentField(forms.FileField):
    """One file, checked by content."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            return check_upload(upload)
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleAttachmentField(forms.FileField):
    """Several files in one input, each checked by content, with a count limit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data or []) if item] if isinstance(data, list | tuple) else [data] if data else []
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        limit = settings.GUICHET_ATTACHMENT_MAX_COUNT
        if len(uploads) > limit:
            raise ValidationError(
                _("Vous pouvez joindre %(max)s fichiers au plus."), params={"max": limit}, code="too_many"
            )
        errors: list[ValidationError] = []
        checked = []
        for upload in uploads:
            try:
                checked.append(check_upload(super().clean(upload, initial)))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return checked


# Scanned letters (mail room) ------------------------------------------------------------------

SCAN_TYPES = {"application/pdf": "PDF", "image/tiff": "TIFF", "image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class CheckedScan:
    content_type: str
    size: int
    sha256: str
    page_count: int


def check_scan(path: str, *, name: str) -> CheckedScan:
    """A scanner's file, checked by content: a real PDF, TIFF, JPEG or PNG within the size, page and pixel limits.

    Works on a path (a drop folder's file or an upload's temporary file). Raises ValidationError
    with a French message saying why the file is refused.
    """

    size = os.path.getsize(path)
    max_bytes = settings.GUICHET_SCAN_MAX_BYTES
    if size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide."), params={"name": name}, code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(max)s Mo."),
            params={"name": name, "max": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    kind = filetype.guess(path)
    if kind is None or kind.mime not in SCAN_TYPES:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas un scan accepté (%(types)s)."),
            params={"name": name, "types": ", ".join(SCAN_TYPES.values())},
            code="bad_type",
        )
    if kind.mime == "application/pdf":
        pages = _check_pdf_pages(path, name, max_pages=settings.GUICHET_SCAN_MAX_PAGES)
    else:
        pages = _check_image_pages(path, name)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return CheckedScan(content_type=kind.mime, size=size, sha256=digest.hexdigest(), page_count=pages)


def _too_many_pages(name: str, count: int) -> ValidationError:
    return ValidationError(
        _("Le fichier « %(name)s » a trop de pages (%(count)s ; %(max)s au plus)."),
        params={"name": name, "count": count, "max": settings.GUICHET_SCAN_MAX_PAGES},
        code="too_many_pages",
    )


def _too_many_pixels(name: str, page: int) -> ValidationError:
    return ValidationError(
        _("La page %(page)s du fichier « %(name)s » est trop grande."),
        params={"name": name, "page": page},
        code="too_many_pixels",
    )


def _check_pdf_pages(source: str | bytes, name: str, *, max_pages: int | None, pixel_limit: bool = True) -> int:
    import pypdfium2

    with pdfium_lock, _decoding(unreadable=_unreadable_pdf(name), too_large=_too_many_pixels(name, 1)):
        document = pypdfium2.PdfDocument(source)
        try:
            count = len(document)
            if count == 0:
                raise ValidationError(_("Le PDF « %(name)s » n'a aucune page."), params={"name": name}, code="no_pages")
            if max_pages is not None and count > max_pages:
                raise _too_many_pages(name, count)
            for index in range(count):
                width, height = document.get_page_size(index)  # points: 1/72 inch
                if pixel_limit and width * height * (SCAN_DPI / 72) ** 2 > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(name, index + 1)
        finally:
            document.close()
    return count


def _check_image_pages(path: str, name: str) -> int:
    with _decoding(unreadable=_unreadable_image(name), too_large=_too_many_pixels(name, 1)), Image.open(path) as image:
        count = getattr(image, "n_frames", 1)
        if count > settings.GUICHET_SCAN_MAX_PAGES:
            raise _too_many_pages(name, count)
        for index in range(count):
            image.seek(index)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _too_many_pixels(name, index + 1)
            image.load()  # decodes the page: truncated or corrupt data fails here, within the pixel limit
    return count
