"""Photos: the GPS position a camera wrote (EXIF), offered as the request's place, and the stored copy stripped
of every metadata (EXIF with its GPS block, XMP, comments, ICC profiles, PNG text chunks).

JPEG, PNG and WebP are re-encoded in their own format; HEIC (iPhones, decoded by pillow-heif) becomes a JPEG, which
every browser shows: ``stored_type`` says what a type is stored as.
"""

import io
import logging
import math
from typing import IO, Any

from PIL import Image, ImageOps

from guichet.lib.heif import enable_heif
from guichet.places.place import parse_position

enable_heif()

logger = logging.getLogger(__name__)
STRIPPED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "JPEG"}
STORED_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
GPS_IFD = 0x8825
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE = 1, 2, 3, 4


def _degrees(value: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def photo_position(file: IO[bytes]) -> tuple[float, float] | None:
    """The photo's GPS position in WGS 84 degrees, or None (no GPS block, unreadable, out of range)."""
    try:
        file.seek(0)
        with Image.open(file) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
        if LATITUDE not in gps or LONGITUDE not in gps:
            return None
        latitude, longitude = _degrees(gps[LATITUDE]), _degrees(gps[LONGITUDE])
        if str(gps.get(LATITUDE_REF, "N")).strip("\x00").upper() == "S":
            latitude = -latitude
        if str(gps.get(LONGITUDE_REF, "E")).strip("\x00").upper() == "W":
            longitude = -longitude
        if not (math.isfinite(latitude) and math.isfinite(longitude)) or (latitude, longitude) == (0.0, 0.0):
            return None
        return parse_position(latitude, longitude)
    except Exception as problem:  # a crafted EXIF block can make Pillow raise nearly anything
        logger.info("No readable GPS position (%s: %s)", type(problem).__name__, problem)
        return None
    finally:
        file.seek(0)


def stored_type(content_type: str) -> tuple[str, str] | None:
    """(content type, file extension) an image of this type is stored as once cleaned, or None if left as sent."""
    image_format = STRIPPED_TYPES.get(content_type)
    return STORED_TYPES[image_format] if image_format else None


def image_without_metadata(file: IO[bytes], content_type: str) -> bytes | None:
    """The image re-encoded with no metadata at all, upright (the EXIF orientation applied before it goes),
    or None when the type is not one Pillow writes. The file was checked by ``lib.uploads`` before.
    A HEIC photo comes out as a JPEG (``stored_type``)."""
    image_format = STRIPPED_TYPES.get(content_type)
    if image_format is None:
        return None
    file.seek(0)
    with Image.open(file) as original:
        upright = ImageOps.exif_transpose(original)
        clean = upright.copy()
    file.seek(0)
    clean.info = {}
    options: dict[str, Any] = {}
    if image_format == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        options = {"quality": 90, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": 90}
    output = io.BytesIO()
    clean.save(output, format=image_format, **options)
    return output.getvalue()


def thumbnail_jpeg(file: IO[bytes], *, size: int) -> bytes:
    """A small JPEG of a stored image (already clean and upright), at most ``size`` pixels a side, no metadata:
    what the public sees of a photo an agent published."""
    with Image.open(file) as original:
        original.draft("RGB", (size, size))  # JPEG: decode at a fraction of the size, much cheaper
        small = original.convert("RGB")
    small.thumbnail((size, size))
    small.info = {}
    output = io.BytesIO()
    small.save(output, format="JPEG", quality=80, optimize=True)
    return output.getvalue()
