"""Geocoding for every page and channel: the BAN API first, the offline index when it is unavailable."""

import hashlib
import logging

from django.core.cache import cache

from guichet.places.ban import BanUnavailable, ban_reverse, ban_search
from guichet.places.index import index_reverse, index_search
from guichet.places.place import Place

logger = logging.getLogger(__name__)
MIN_QUERY = 3
# How long an address offered to the citizen is known by its label alone (the form sends the label back).
SUGGESTED_SECONDS = 3600


def address_search(query: str, *, limit: int = 8) -> list[Place]:
    query = " ".join(query.split())[:200]
    if len(query) < MIN_QUERY:
        return []
    try:
        places = ban_search(query, limit=limit)
    except BanUnavailable:
        places = index_search(query, limit=limit)
    # The citizen picks one of these: the form sends its label back, found then without asking again.
    cache.set_many({_label_key(place.label): place for place in places if place.in_base}, SUGGESTED_SECONDS)
    return places


def _label_key(label: str) -> str:
    return "place:" + hashlib.sha256(label.casefold().encode()).hexdigest()


def address_reverse(latitude: float, longitude: float) -> Place | None:
    try:
        return ban_reverse(latitude, longitude)
    except BanUnavailable:
        return index_reverse(latitude, longitude)


def place_from_form(*, address: str, latitude: float | None, longitude: float | None) -> Place | None:
    """What the citizen (or an agent) gave: an address typed or chosen, a point, or both.

    An address is looked up (API, then index): the exact label chosen from the suggestions is "in the
    base" with its INSEE code, and gives the position when no point was set. Any other text is kept as
    typed and flagged (``in_base=False``). A point alone gets the nearest address's label from the base.
    """
    address = " ".join(address.split())[:300]
    has_point = latitude is not None and longitude is not None
    if not address and not has_point:
        return None
    if address:
        match = cache.get(_label_key(address)) or next(
            (place for place in address_search(address, limit=5) if place.label.casefold() == address.casefold()),
            None,
        )
        if match:
            if has_point:
                return Place(
                    label=match.label, latitude=latitude, longitude=longitude, citycode=match.citycode, in_base=True
                )
            return match
        return Place(label=address, latitude=latitude, longitude=longitude, in_base=False)
    assert latitude is not None and longitude is not None
    nearest = address_reverse(latitude, longitude)
    if nearest is None:
        return Place(latitude=latitude, longitude=longitude, in_base=None)
    return Place(label=nearest.label, latitude=latitude, longitude=longitude, citycode=nearest.citycode, in_base=True)
