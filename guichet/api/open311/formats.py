"""Open311 responses: XML (required by the spec) and JSON (its mechanical mirror).

XML: UTF-8 declaration, no namespace, `text/xml; charset=utf-8`. JSON drops the root element, so
lists are bare arrays; ids and codes are strings.
"""

import json
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

XML = "xml"
JSON = "json"


def _append(parent: ElementTree.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child, item_tags)
    elif isinstance(value, list):
        for child in value:
            _append(element, item_tags.get(tag, "item"), child, item_tags)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def respond(fmt: str, payload: Any, *, root: str, item: str | None = None, item_tags: dict[str, str] | None = None,
            status: int = 200) -> HttpResponse:  # fmt: skip
    """``payload`` is a list (of ``item`` elements under ``root``) or a dict (the children of ``root``)."""
    if fmt == JSON:
        body = json.dumps(payload, ensure_ascii=False)
        return HttpResponse(body, content_type="application/json; charset=utf-8", status=status)
    tags = {root: item or "item", **(item_tags or {})}
    root_element = ElementTree.Element(root)
    children = payload.items() if isinstance(payload, dict) else ((tags[root], value) for value in payload)
    for tag, value in children:
        _append(root_element, tag, value, tags)
    body = ElementTree.tostring(root_element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
