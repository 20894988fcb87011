from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("Corps de requête trop volumineux.")


def _refuse_over(limit: int, parser_context: dict | None) -> None:
    request = (parser_context or {}).get("request")
    length = request.META.get("CONTENT_LENGTH") if request is not None else None
    try:
        too_large = int(length or 0) > limit
    except ValueError:
        too_large = False
    if too_large:
        raise PayloadTooLarge()


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE: DRF reads the stream itself, past Django's own check."""

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, parser_context)
        return super().parse(stream, media_type, parser_context)


def multipart_max_bytes() -> int:
    """The most files a request may carry, at the most each may weigh, plus the text fields."""
    files = settings.GUICHET_ATTACHMENT_MAX_BYTES * settings.GUICHET_ATTACHMENT_MAX_COUNT
    return files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class LimitedMultiPartParser(MultiPartParser):
    """Django limits the text fields only (413 past them); a body larger than any acceptable set of files
    is refused before it is read, instead of being spooled to disk and refused file by file."""

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over(multipart_max_bytes(), parser_context)
        return super().parse(stream, media_type, parser_context)
