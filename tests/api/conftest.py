import io
from xml.etree import ElementTree

import pytest
from PIL import Image

from guichet.api.keys import api_key_create
from guichet.api.models import Scope
from guichet.catalogue.models import FieldKind
from tests import factories


@pytest.fixture
def pothole(request_type):
    """The standard type (address, description, optional photo) plus a choice, a multiple choice and a date."""
    factories.FieldFactory(
        request_type=request_type, code="danger", label="Danger immédiat ?", kind=FieldKind.CHOICE,
        choices="Oui\nNon", order=4,
    )  # fmt: skip
    factories.FieldFactory(
        request_type=request_type, code="genes", label="Qui est gêné ?", kind=FieldKind.MULTIPLE_CHOICE,
        choices="Piétons\nCyclistes\nVoitures", required=False, order=5,
    )  # fmt: skip
    factories.FieldFactory(
        request_type=request_type, code="vu_le", label="Vu le", kind=FieldKind.DATE, required=False, order=6
    )
    return request_type


@pytest.fixture
def api_key(db):
    """(key, raw value) of a partner allowed to post Open311 requests."""
    return api_key_create(name="Appli Signalements", owner="Métropole", scopes=[Scope.OPEN311_WRITE])


def parse_xml(response) -> ElementTree.Element:
    """Well-formed, UTF-8 declared, the spec's content type, no namespace."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(response.content)
    assert all("}" not in element.tag for element in root.iter())
    return root


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()
