"""Dates and moments sent from outside (API parameters and bodies): ISO 8601, within a sane range.

Python's dates stop at years 1 and 9999: converting an edge date to another time zone, or adding a
span to it, raises OverflowError (a 500). Every parser of outside dates goes through here, so anything
before EARLIEST or after LATEST is refused with a French message instead, far from those limits.
"""

import datetime
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)

D = TypeVar("D", datetime.date, datetime.datetime)


class InvalidDate(ValueError):
    """A date that cannot be read; ``str()`` is the French message."""


class DateOutOfRange(InvalidDate):
    """A real date, but before EARLIEST or after LATEST."""


def out_of_range_message() -> str:
    return _("date hors des limites acceptées (du %(earliest)s au %(latest)s).") % {
        "earliest": EARLIEST.strftime("%d/%m/%Y"),
        "latest": LATEST.strftime("%d/%m/%Y"),
    }


def in_range(value: datetime.date | datetime.datetime) -> bool:
    # The wall-clock day is enough: an offset moves a moment by less than a day, far from year 1 or 9999.
    day = value.date() if isinstance(value, datetime.datetime) else value
    return EARLIEST <= day <= LATEST


def check_range(value: D) -> D:
    if not in_range(value):
        raise DateOutOfRange(out_of_range_message())
    return value


def validate_in_range(value: datetime.date | datetime.datetime) -> None:
    """Django/DRF validator form of check_range."""
    if value is not None and not in_range(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


def parse_moment(raw: str, *, default_tz: datetime.tzinfo | None = datetime.UTC) -> datetime.datetime:
    """An ISO 8601 date and time (a date alone means its midnight), aware, in range.

    A moment without offset gets ``default_tz`` (None keeps it naive). Raises InvalidDate.
    """
    try:
        moment = parse_datetime(raw.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidDate(_("date invalide, format attendu ISO 8601 comme 2026-01-31T08:00:00Z."))
    check_range(moment)
    if moment.tzinfo is None and default_tz is not None:
        moment = moment.replace(tzinfo=default_tz)
    return moment
