"""The BAN's public geocoding API (api-adresse.data.gouv.fr): ``/search/`` and ``/reverse/``, GeoJSON answers.

A short timeout; answers cached; any failure (network, timeout, HTTP error, JSON not shaped as documented)
raises ``BanUnavailable`` so that ``geocoding`` falls back to the offline index, and pauses the API for
``GUICHET_BAN_PAUSE_SECONDS`` (shared through the cache) so that nobody else waits for the same timeout.
"""

import hashlib
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache

from guichet.places.place import Place

logger = logging.getLogger(__name__)
CACHE_SECONDS = 24 * 3600
PAUSED_KEY = "ban:paused"


class BanUnavailable(Exception):
    """The API did not answer usefully: down, slow, an error status or an unreadable body."""


def _get(path: str, params: dict[str, str]) -> list[Place]:
    url = settings.GUICHET_BAN_API_URL.rstrip("/") + path + "?" + urllib.parse.urlencode(params)
    key = "ban:" + hashlib.sha256(url.encode()).hexdigest()
    found = cache.get_many([key, PAUSED_KEY])
    if key in found:
        return found[key]
    if found.get(PAUSED_KEY):
        raise BanUnavailable("paused after a failure")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Guichet"})
    try:
        with urllib.request.urlopen(request, timeout=settings.GUICHET_BAN_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = json.loads(response.read(2_000_000))
    except (OSError, ValueError) as problem:  # URLError, HTTPError and timeouts are OSErrors; bad JSON a ValueError
        logger.warning("BAN API unavailable (%s: %s)", type(problem).__name__, problem)
        _pause()
        raise BanUnavailable(str(problem)) from None
    if not isinstance(body, dict) or not isinstance(body.get("features"), list):
        logger.warning("BAN API answered something other than a FeatureCollection")
        _pause()
        raise BanUnavailable("not a FeatureCollection")
    try:
        places = _places(body)
    except BanUnavailable:
        logger.warning("BAN API answered features not shaped as documented")
        _pause()
        raise
    cache.set(key, places, CACHE_SECONDS)
    return places


def _pause() -> None:
    """Every process leaves the API alone for a while: searches and submissions use the index at once."""
    if settings.GUICHET_BAN_PAUSE_SECONDS > 0:
        cache.set(PAUSED_KEY, True, settings.GUICHET_BAN_PAUSE_SECONDS)


def _places(body: dict[str, Any]) -> list[Place]:
    places = []
    for feature in body["features"]:
        try:
            properties = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"][:2]
            places.append(
                Place(
                    label=str(properties["label"])[:300],
                    latitude=float(lat),
                    longitude=float(lon),
                    citycode=str(properties.get("citycode") or "")[:5],
                    in_base=True,
                    housenumber=str(properties.get("housenumber") or "")[:20],
                    street=str(properties.get("street") or properties.get("name") or "")[:200],
                    postcode=str(properties.get("postcode") or "")[:5],
                    city=str(properties.get("city") or "")[:100],
                    score=float(properties.get("score") or 0),
                )
            )
        except (KeyError, TypeError, ValueError, IndexError):
            raise BanUnavailable("a feature not shaped as documented") from None
    return places


def ban_search(query: str, *, limit: int = 8) -> list[Place]:
    """Autocompletion: ``/search/?q=…&autocomplete=1``, once per INSEE code of the commune (or its EPCI)."""
    citycodes = settings.GUICHET_BAN_CITYCODES or [""]
    found: list[Place] = []
    for citycode in citycodes:
        params = {"q": query[:200], "autocomplete": "1", "limit": str(limit)}
        if citycode:
            params["citycode"] = citycode
        found.extend(_get("/search/", params))
    found.sort(key=lambda place: place.score or 0, reverse=True)
    return found[:limit]


def ban_reverse(latitude: float, longitude: float) -> Place | None:
    """The nearest address to a point: ``/reverse/?lat=…&lon=…``."""
    params = {"lat": f"{latitude:.6f}", "lon": f"{longitude:.6f}", "limit": "1"}
    places = _get("/reverse/", params)
    return places[0] if places else None
