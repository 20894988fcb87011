"""Upload checks by content (never by name or declared type), plus form fields that apply them."""

import hashlib
from dataclasses import dataclass

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ACCEPTED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.webp,.heic,application/pdf,image/jpeg,image/png,image/webp,image/heic"
MAX_IMAGE_PIXELS = 40_000_000  # about 7,000 × 5,700: more than any phone photo, far below a bomb


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def accepted_types_label() -> str:
    return ", ".join(sorted(set(ACCEPTED_TYPES.values())))


def check_upload(upload: UploadedFile) -> CheckedUpload:
    name = (upload.name or "fichier").rsplit("/", 1)[-1][-200:]
    max_bytes = settings.GUICHET_ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
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
    if kind.mime in {"image/jpeg", "image/png", "image/webp"}:
        _check_image(upload, name)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(file=upload, name=name, content_type=kind.mime, size=upload.size, sha256=digest.hexdigest())


def _check_image(upload: UploadedFile, name: str) -> None:
    unreadable = ValidationError(
        _("L'image « %(name)s » est illisible ou endommagée."), params={"name": name}, code="bad_image"
    )
    try:
        with Image.open(upload) as image:
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
            else:
                image.verify()
    except Image.DecompressionBombError:
        # Pillow refuses to open it at all (over twice its own limit), so the size is unknown here.
        raise ValidationError(
            _("L'image « %(name)s » est trop grande."), params={"name": name}, code="too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise unreadable from None
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
