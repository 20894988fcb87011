import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.utils.json import strict_constant


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


class JSONTooDeep(ValueError):
    """More nested arrays and objects than GUICHET_API_JSON_MAX_DEPTH."""


# A string (its brackets do not count), or one bracket.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def load_json(text: str) -> Any:
    """``json.loads`` without NaN/Infinity, refusing nesting past the limit before parsing: the standard
    parser recurses once per level, so a body of ``[[[[…`` would end in RecursionError, a 500.
    Raises ValueError (JSONTooDeep, or json's own error) with the reason."""
    limit = settings.GUICHET_API_JSON_MAX_DEPTH
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        bracket = match.group()[0]
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise JSONTooDeep(gettext("JSON trop imbriqué (%(max)s niveaux au plus).") % {"max": limit})
        elif bracket in "]}":
            depth -= 1
    return json.loads(text, parse_constant=strict_constant)


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the stream itself, past Django's own check),
    nested GUICHET_API_JSON_MAX_DEPTH levels at most."""

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_over(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(stream.read().decode(encoding))
        except JSONTooDeep as problem:
            raise exceptions.ParseError(str(problem)) from None
        except ValueError as problem:  # UnicodeDecodeError included
            raise exceptions.ParseError(gettext("JSON invalide : %(reason)s") % {"reason": problem}) from None


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
