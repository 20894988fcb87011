"""WeasyPrint, imported on first use: it takes about 0.6 s, paid only by processes that print."""

from typing import Any


def weasyprint() -> Any:
    from PIL import ImageFile

    load_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    # Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which would let truncated
    # JPEGs through the upload check (lib/uploads.py). Our PDFs only embed our own images: put it back.
    ImageFile.LOAD_TRUNCATED_IMAGES = load_truncated
    return weasyprint
