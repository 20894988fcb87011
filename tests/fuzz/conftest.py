import pytest

from guichet.catalogue.models import FieldKind
from tests import factories


@pytest.fixture
def every_kind(request_type):
    """The standard type (address, description, photo) plus one field of every other kind."""
    extra = [
        ("nom", FieldKind.SHORT_TEXT, ""),
        ("nombre", FieldKind.NUMBER, ""),
        ("vu_le", FieldKind.DATE, ""),
        ("danger", FieldKind.CHOICE, "Oui\nNon"),
        ("genes", FieldKind.MULTIPLE_CHOICE, "Piétons\nCyclistes"),
        ("courriel", FieldKind.EMAIL, ""),
        ("portable", FieldKind.PHONE, ""),
    ]
    for order, (code, kind, choices) in enumerate(extra, start=4):
        factories.FieldFactory(
            request_type=request_type, code=code, label=code.title(), kind=kind, choices=choices, required=False,
            order=order,
        )  # fmt: skip
    return request_type


@pytest.fixture
def no_rate_limits(settings):
    settings.GUICHET_SUBMIT_RATE = "100000/m"
    settings.OPEN311_POST_RATE = "100000/m"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/m"}}


@pytest.fixture
def pothole(every_kind):
    every_kind.slug = "nid-de-poule"
    every_kind.save(update_fields=["slug"])
    return every_kind
