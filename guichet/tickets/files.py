from typing import Protocol

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})


class Servable(Protocol):
    """A stored file and what the browser is told about it (an Attachment, a scanned letter...)."""

    file: FieldFile
    content_type: str
    original_name: str


def attachment_response(item: Servable) -> FileResponse:
    """Serve a stored attachment: shown inline if the browser can, always sandboxed, never cached."""
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=item.content_type not in INLINE_TYPES,
        filename=item.original_name,
    )
    # A citizen's file is data, never an active page of our origin.
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
