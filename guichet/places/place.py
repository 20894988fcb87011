"""A place as every channel hands it to ``tickets.services.ticket_create``: a position, an address, or both."""

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Place:
    """WGS 84 degrees (both or none), the address as shown, its INSEE code, and whether the BAN knows it
    (``None``: nobody looked, e.g. a partner's Open311 point)."""

    label: str = ""
    latitude: float | None = None
    longitude: float | None = None
    citycode: str = ""
    in_base: bool | None = None
    housenumber: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    score: float | None = None

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "lat": self.latitude,
            "lon": self.longitude,
            "citycode": self.citycode,
            "housenumber": self.housenumber,
            "street": self.street,
            "postcode": self.postcode,
            "city": self.city,
        }


def parse_position(lat: object, lon: object) -> tuple[float, float] | None:
    """Two coordinates from outside (form, API): both empty is no position; one alone, text, NaN or out of
    WGS 84's ranges is a French ValidationError."""
    empty = (None, "")
    if lat in empty and lon in empty:
        return None
    if lat in empty or lon in empty:
        raise ValidationError(_("Indiquez la latitude et la longitude, ou aucune des deux."), code="half_position")
    try:
        latitude, longitude = float(str(lat).strip().replace(",", ".")), float(str(lon).strip().replace(",", "."))
    except ValueError:
        raise ValidationError(_("La position indiquée n'est pas lisible."), code="bad_position") from None
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90 or abs(longitude) > 180:
        raise ValidationError(_("La position indiquée n'est pas lisible."), code="bad_position")
    return latitude, longitude


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))
