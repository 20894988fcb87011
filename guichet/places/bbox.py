"""A bounding box an API client gives: ``lon_min,lat_min,lon_max,lat_max`` in degrees (WGS 84).

One reading for Open311's ``bbox`` (the Mark-a-Spot extension) and the REST list's: four finite numbers, the
minimum before the maximum (equal is a line or a point), longitudes within ±180 and latitudes within ±90.
Nothing is clipped or swapped: a box the client got wrong is refused with the French message, never guessed.
Tickets are filtered on ``latitude`` and ``longitude``, which the partial index ``ticket_located`` serves.
"""

import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _


class InvalidBox(ValueError):
    """The box cannot be used; ``str()`` is the French message for the client."""


@dataclass(frozen=True)
class Box:
    west: float
    south: float
    east: float
    north: float

    def condition(self, prefix: str = "") -> Q:
        """Located rows inside the box, edges included."""
        return Q(
            **{
                f"{prefix}latitude__gte": self.south,
                f"{prefix}latitude__lte": self.north,
                f"{prefix}longitude__gte": self.west,
                f"{prefix}longitude__lte": self.east,
            }
        )


# Approximate positions (Open311, ``Commune.open311_position``): three decimals, about 110 m of latitude and 75 m
# of longitude in metropolitan France, enough to keep a house from being pointed at.
ROUNDED_DECIMALS = 3
_STEP = 10**-ROUNDED_DECIMALS


def round_position(degrees: float) -> float:
    return round(degrees, ROUNDED_DECIMALS)


def rounded_condition(box: Box, prefix: str = "") -> Q:
    """Rows whose *rounded* position lies in ``box``, on the exact columns (so still from the index).

    A rounded value r = round(x, 3) lies in [a, b] when x lies in [ceil3(a) − ½ step, floor3(b) + ½ step[; a filter on
    the exact values instead would let a client narrow boxes until it found the unpublished exact point.
    """

    def span(low: float, high: float) -> tuple[float, float] | None:
        first, last = math.ceil(round(low / _STEP, 9)), math.floor(round(high / _STEP, 9))
        return None if first > last else (first * _STEP - _STEP / 2, last * _STEP + _STEP / 2)

    latitudes, longitudes = span(box.south, box.north), span(box.west, box.east)
    if latitudes is None or longitudes is None:
        return Q(pk__in=[])
    return Q(
        **{
            f"{prefix}latitude__gte": latitudes[0],
            f"{prefix}latitude__lt": latitudes[1],
            f"{prefix}longitude__gte": longitudes[0],
            f"{prefix}longitude__lt": longitudes[1],
        }
    )


def parse_bbox(raw: str) -> Box:
    message = _("bbox : quatre nombres attendus, longitude min, latitude min, longitude max, latitude max (WGS 84).")
    try:
        west, south, east, north = (float(part) for part in raw.split(","))
    except ValueError:
        raise InvalidBox(message) from None
    # NaN compares false with everything, and infinities are out of range: both are refused here.
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidBox(message)
    return Box(west=west, south=south, east=east, north=north)
