"""Open requests near a place, ranked, and which of them are likely duplicates (issue 17, docs/DUPLICATES.md).

The database narrows by a bounding box on the ``ticket_open_located`` index; the exact great-circle distance
and the score are computed here on the few candidates. The score weighs the category (same request type
first, same service next), the closeness within the type's radius, a cheap text similarity (folded words and
character trigrams of subject and free text) and the age. ``score_pair`` is pure: the labelled test set
(tests/tickets/data/duplicate_pairs.json) measures it without a database.
"""

import datetime
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from guichet.catalogue.models import FieldKind, RequestType
from guichet.lib.text import fold
from guichet.tickets.lifecycle import OPEN_STATUSES
from guichet.tickets.models import Ticket

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180
# Weights of the score (they add up to 1) and the duplicate threshold, measured on the test set.
WEIGHT_CATEGORY, WEIGHT_DISTANCE, WEIGHT_TEXT, WEIGHT_AGE = 0.45, 0.25, 0.2, 0.1
DUPLICATE_THRESHOLD = 0.61
# Age after which a request counts half as recent (days).
AGE_HALF_LIFE_DAYS = 30
MAX_CANDIDATES = 200
# Free-text answer kinds read for the similarity (never contact fields).
TEXT_ANSWER_KINDS = frozenset({FieldKind.SHORT_TEXT, FieldKind.LONG_TEXT})
STOP_WORDS = frozenset(
    "les des une un le la de du au aux et en sur dans pour par avec est sont il elle ils elles qui que quoi ce cet "
    "cette ces mon ma mes son sa ses notre nos votre vos leur leurs pas plus tres depuis devant pres rue avenue "
    "bonjour merci madame monsieur svp il y a ete etre fait faire tout tous toute toutes on nous vous je".split()
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Probe:
    """What is compared: a request being filed, or one already there."""

    latitude: float
    longitude: float
    request_type_id: int
    service_id: int
    text: str = ""
    created_at: datetime.datetime | None = None
    is_open: bool = True


@dataclass(frozen=True)
class Nearby:
    ticket: Ticket
    distance_m: float
    similarity: float
    score: float
    likely_duplicate: bool


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) enclosing the circle; a little larger, never smaller."""
    dlat = radius_m / METRES_PER_DEGREE_LAT * 1.01
    cos_lat = max(math.cos(math.radians(min(89.0, abs(latitude) + dlat))), 1e-6)
    dlon = dlat / cos_lat
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def words(text: str) -> set[str]:
    return {word for word in _WORD.findall(fold(text)) if len(word) > 2 and word not in STOP_WORDS}


def trigrams(found: Iterable[str]) -> set[str]:
    grams: set[str] = set()
    for word in found:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def text_similarity(a: str, b: str) -> float:
    """Between 0 and 1: the mean of the Jaccard indexes of the words and of their trigrams (stems for free)."""
    words_a, words_b = words(a), words(b)
    if not words_a or not words_b:
        return 0.0
    grams_a, grams_b = trigrams(words_a), trigrams(words_b)
    return (_jaccard(words_a, words_b) + _jaccard(grams_a, grams_b)) / 2


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def score_pair(new: Probe, existing: Probe, *, radius_m: float, now: datetime.datetime) -> tuple[float, float, float]:
    """(score, distance in metres, text similarity) of an open ``existing`` request for a ``new`` one."""
    distance = haversine_m(new.latitude, new.longitude, existing.latitude, existing.longitude)
    if existing.request_type_id == new.request_type_id:
        category = 1.0
    elif existing.service_id == new.service_id:
        category = 0.4
    else:
        category = 0.0
    closeness = max(0.0, 1 - distance / radius_m) if radius_m > 0 else 0.0
    similarity = text_similarity(new.text, existing.text)
    age_days = max(0.0, (now - existing.created_at).total_seconds() / 86400) if existing.created_at else 0.0
    recency = 0.5 ** (age_days / AGE_HALF_LIFE_DAYS)
    score = WEIGHT_CATEGORY * category + WEIGHT_DISTANCE * closeness + WEIGHT_TEXT * similarity + WEIGHT_AGE * recency
    return score, distance, similarity


def is_likely_duplicate(new: Probe, existing: Probe, *, radius_m: float, now: datetime.datetime) -> bool:
    """Open, same request type, within the radius, and a score over the threshold."""
    if not existing.is_open or existing.request_type_id != new.request_type_id:
        return False
    score, distance, _similarity = score_pair(new, existing, radius_m=radius_m, now=now)
    return distance <= radius_m and score >= DUPLICATE_THRESHOLD


def ticket_text(ticket: Ticket) -> str:
    """Subject and free-text answers: what the ranking compares (contact answers are never read)."""
    parts = [ticket.subject]
    parts += [
        str(answer.get("value") or "") for answer in ticket.answers or () if answer.get("kind") in TEXT_ANSWER_KINDS
    ]
    return " ".join(parts)


def probe_of(ticket: Ticket) -> Probe:
    assert ticket.latitude is not None and ticket.longitude is not None
    return Probe(
        latitude=ticket.latitude,
        longitude=ticket.longitude,
        request_type_id=ticket.request_type_id,
        service_id=ticket.service_id,
        text=ticket_text(ticket),
        created_at=ticket.created_at,
    )


def candidates(
    *, latitude: float, longitude: float, radius_m: float, request_type_ids: Iterable[int]
) -> QuerySet[Ticket]:
    """Open located tickets of these types in the bounding box (the partial index ``ticket_open_located``)."""
    south, north, west, east = bounding_box(latitude, longitude, radius_m)
    return Ticket.objects.filter(
        status__in=sorted(OPEN_STATUSES),
        latitude__isnull=False,
        latitude__gte=south,
        latitude__lte=north,
        longitude__gte=west,
        longitude__lte=east,
        request_type_id__in=sorted(set(request_type_ids)),
    )


def nearby_tickets(
    *,
    probe: Probe,
    request_type: RequestType,
    same_type_only: bool = False,
    exclude_id: int | None = None,
    limit: int = 10,
    now: datetime.datetime | None = None,
) -> list[Nearby]:
    """The open requests within the type's radius, best first: same type, same service, wording, age."""
    now = now or timezone.now()
    radius = float(request_type.duplicate_radius_m)
    if same_type_only:
        type_ids = [request_type.pk]
    else:
        type_ids = list(RequestType.objects.filter(service_id=request_type.service_id).values_list("pk", flat=True))
        type_ids.append(request_type.pk)
    found = candidates(latitude=probe.latitude, longitude=probe.longitude, radius_m=radius, request_type_ids=type_ids)
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    ranked = []
    for ticket in found.select_related("request_type", "service").order_by("-created_at")[:MAX_CANDIDATES]:
        existing = probe_of(ticket)
        score, distance, similarity = score_pair(probe, existing, radius_m=radius, now=now)
        if distance > radius:
            continue
        duplicate = ticket.request_type_id == probe.request_type_id and score >= DUPLICATE_THRESHOLD
        ranked.append(Nearby(ticket, distance, similarity, score, duplicate))
    # The category first (same type, then same service), the score within it.
    ranked.sort(key=lambda item: (item.ticket.request_type_id != probe.request_type_id, -item.score, item.distance_m))
    return ranked[:limit]


_HOUSE_NUMBER = re.compile(r"^\s*\d+\s*(?:bis|ter|quater|[a-d])?\b[\s,]*", re.IGNORECASE)


def street_of(address_label: str) -> str:
    """The address without its house number: what the public may read of where a request is."""
    return _HOUSE_NUMBER.sub("", address_label).strip()


def coordinates(latitude: str | None, longitude: str | None) -> tuple[float, float] | None:
    """Degrees read from a form, or None when missing, malformed or out of WGS 84's ranges."""
    try:
        lat, lon = float(latitude or ""), float(longitude or "")
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
