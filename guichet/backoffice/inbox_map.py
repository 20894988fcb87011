"""The inbox's « Carte » (issue 17): open located tickets, filtered like the list, as GeoJSON for Leaflet.

One answer stays small whatever the number of tickets: up to ``MAX_POINTS`` tickets inside the box the map
shows; past that, a grid of ``GRID_CELLS`` × ``GRID_CELLS`` cells counted by the database (the map zooms in on a
cell when clicked). The box is read on the index ``ticket_open_located`` (open tickets) or ``ticket_located``.
"""

import math
from typing import Any

from django.db.models import Avg, Count, F, Max, Min, QuerySet
from django.db.models.functions import Floor
from django.urls import reverse

from guichet.lib import references
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Ticket

MAX_POINTS = 1000
GRID_CELLS = 48
Box = tuple[float, float, float, float]  # west, south, east, north


def parse_box(text: str) -> Box | None:
    """``west,south,east,north`` in degrees, as Leaflet's bounds give it; None when malformed."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    values = (west, south, east, north)
    if not all(math.isfinite(value) for value in values):
        return None
    west, east = max(-180.0, west), min(180.0, east)
    south, north = max(-90.0, south), min(90.0, north)
    if west >= east or south >= north:
        return None
    return west, south, east, north


def in_box(queryset: QuerySet[Ticket], box: Box | None) -> QuerySet[Ticket]:
    located = queryset.filter(latitude__isnull=False).order_by()
    if box is None:
        return located
    west, south, east, north = box
    return located.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)


def features(queryset: QuerySet[Ticket], box: Box | None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: tickets (reference, type, status, link), or counted grid cells."""
    located = in_box(queryset, box)
    rows = list(
        located.values_list("reference", "latitude", "longitude", "status", "request_type__name")[: MAX_POINTS + 1]
    )  # latitude and longitude are never NULL here (in_box)
    if len(rows) <= MAX_POINTS:
        return {
            "type": "FeatureCollection",
            "grid": False,
            "features": [_ticket_feature(*row) for row in rows],
        }
    return {"type": "FeatureCollection", "grid": True, "features": _grid(located, box)}


def _ticket_feature(reference: str, latitude: Any, longitude: Any, status: str, type_name: str) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
        "properties": {
            "reference": references.display(reference),
            "url": reverse("backoffice:ticket", args=[reference]),
            "status": str(Status(status).label),
            "type": type_name,
        },
    }


def _grid(located: QuerySet[Ticket], box: Box | None) -> list[dict]:
    if box is None:
        # A call without the map's box (the first one): the tickets' own extent.
        extent = located.aggregate(
            west=Min("longitude"), south=Min("latitude"), east=Max("longitude"), north=Max("latitude")
        )
        box = (extent["west"], extent["south"], extent["east"], extent["north"])
    west, south, east, north = box
    step_x, step_y = max((east - west) / GRID_CELLS, 1e-9), max((north - south) / GRID_CELLS, 1e-9)
    cells = (
        located.annotate(
            cell_x=Floor((F("longitude") - west) / step_x),
            cell_y=Floor((F("latitude") - south) / step_y),
        )
        .values("cell_x", "cell_y")
        .annotate(count=Count("pk"), latitude=Avg("latitude"), longitude=Avg("longitude"))
        .order_by()
    )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(cell["longitude"], 6), round(cell["latitude"], 6)]},
            "properties": {"count": cell["count"]},
        }
        for cell in cells
    ]
