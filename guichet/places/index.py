"""Autocompletion and reverse geocoding on the offline index (``BanAddress``), the API's fallback."""

import math
import re

from django.conf import settings
from django.db.models import QuerySet

from guichet.lib.text import fold
from guichet.places.models import BanAddress
from guichet.places.place import Place, distance_m

NUMBER = re.compile(r"^(\d+)\s*(bis|ter|quater|[a-z])?\b\s*,?\s*(.*)$")
# Around a point, the first box searched and the largest (metres): a commune's addresses are rarely further apart.
REVERSE_BOXES_M = (100, 400, 1600)


def fold_words(text: str) -> str:
    """Lower case, no accent, punctuation as spaces, single spaces: "Allée de l'Église" -> "allee de l eglise"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _place(row: BanAddress) -> Place:
    return Place(
        label=row.label,
        latitude=row.latitude,
        longitude=row.longitude,
        citycode=row.citycode,
        in_base=True,
        housenumber=row.housenumber,
        street=row.street,
        postcode=row.postcode,
        city=row.city,
    )


def _limited(queryset: QuerySet[BanAddress]) -> QuerySet[BanAddress]:
    citycodes = settings.GUICHET_BAN_CITYCODES
    return queryset.filter(citycode__in=citycodes) if citycodes else queryset


def index_search(query: str, *, limit: int = 8) -> list[Place]:
    """Addresses whose street starts with what was typed (case and accents ignored), a leading house number
    narrowing them; the street's words anywhere when no street starts so."""
    words = fold_words(query)
    if len(words) < 3:
        return []
    number = ""
    if match := NUMBER.match(words):
        number, words = match.group(1) + (match.group(2) or ""), match.group(3)
        if not words:
            return []
    rows = _limited(BanAddress.objects.all())
    found = rows.filter(street_search__startswith=words)
    if not found.exists():
        found = rows.filter(street_search__contains=words)
    if number:
        found = found.filter(housenumber__startswith=number)
    ordered = found.order_by("street_search", "citycode", "housenumber")
    return [_place(row) for row in ordered[:limit]]


def index_reverse(latitude: float, longitude: float) -> Place | None:
    """The nearest indexed address: a bounding box around the point (index on latitude, longitude), widened
    until it holds addresses, then the exact distance."""
    for half_side in REVERSE_BOXES_M:
        dlat = half_side / 111_320
        dlon = half_side / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
        rows = list(
            _limited(BanAddress.objects.all()).filter(
                latitude__range=(latitude - dlat, latitude + dlat),
                longitude__range=(longitude - dlon, longitude + dlon),
            )[:500]
        )
        if rows:
            nearest = min(rows, key=lambda row: distance_m(latitude, longitude, row.latitude, row.longitude))
            return _place(nearest)
    return None
