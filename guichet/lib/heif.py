"""HEIC/HEIF photos (what iPhones send) decoded by Pillow through pillow-heif.

Every module that opens a citizen's image calls ``enable_heif()`` at import: registering the opener is
idempotent, and then ``Image.open`` reads HEIC like any other format (size first, pixels on ``load``).
"""

from pillow_heif import register_heif_opener

_registered = False


def enable_heif() -> None:
    global _registered
    if not _registered:
        # No thumbnails: the full image is what is checked, read and re-encoded.
        register_heif_opener(thumbnails=False)
        _registered = True
