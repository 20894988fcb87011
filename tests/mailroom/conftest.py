"""Scans made here: Pillow draws a French letter, saved as PNG, PDF or TIFF; the OCR is the real Tesseract."""

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from guichet.organisation.models import Role
from tests import factories

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def letter_lines(reference: str = "") -> list[str]:
    lines = [
        "Madame Hélène Lefèvre",
        "12 rue de l'Église",
        "88200 Remiremont",
        "helene.lefevre@example.org",
        "Tél. 06 12 34 56 78",
        "",
        "Monsieur le Maire,",
        "Le lampadaire devant chez moi est éteint depuis une semaine.",
    ]
    if reference:
        lines.insert(6, f"Objet : ma demande {reference}")
    return lines


def letter_image(lines: list[str], *, size: tuple[int, int] = (1240, 760)) -> Image.Image:
    """A page at 150 dpi (small, so Tesseract takes a fraction of a second), 14 pt serif text."""
    image = Image.new("L", size, 255)
    font = ImageFont.truetype(FONT, 30)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((70, 50 + index * 48), line, font=font, fill=0)
    return image


def save_scan(image: Image.Image | list[Image.Image], path: Path, fmt: str) -> Path:
    pages = image if isinstance(image, list) else [image]
    options = {"dpi": (150, 150)} if fmt != "PDF" else {"resolution": 150.0}
    if len(pages) > 1:
        options.update(save_all=True, append_images=pages[1:])
    pages[0].save(path, format=fmt, **options)
    return path


def scan_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"resolution": 150.0} if fmt == "PDF" else {"dpi": (150, 150)}))
    return buffer.getvalue()


@pytest.fixture
def mail_agent(db):
    return factories.AgentFactory(role=Role.MAIL_ROOM).user


@pytest.fixture
def letter_png(tmp_path) -> Path:
    return save_scan(letter_image(letter_lines()), tmp_path / "lettre.png", "PNG")


# A reference Tesseract reads reliably at the test's small size (random ones sometimes lose a symbol:
# suggestions.OCR_LOOKALIKES covers the usual confusions, and has its own test).
QUOTED_REFERENCE = "HW4KP3RTC"


@pytest.fixture
def quoted_ticket(ticket):
    from guichet.tickets.models import Ticket

    Ticket.objects.filter(pk=ticket.pk).update(reference=QUOTED_REFERENCE)
    ticket.refresh_from_db()
    return ticket
