"""The receipt a reception agent prints for a request entered at the counter: A4 sheet or 80 mm ticket."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTFigure, LTPage, LTTextContainer
from PIL import ImageFile

from guichet.intake.receipts import counter_receipt_pdf
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db

MM_PER_PT = 25.4 / 72
LAYOUTS = ["a4", "ticket80"]
FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
LONG_WORD = "https://exemple.fr/plan/" + "x" * 70  # no break opportunity: must not overflow 80 mm
ANSWERS = [
    {
        "code": "adresse",
        "label": "Adresse du problème",
        "kind": "address",
        "value": {"street": "12 rue de l'Église", "postcode": "88200", "city": "Remiremont"},
    },
    {"code": "description", "label": "Description", "kind": "long_text", "value": "Un trou <b>gras</b> profond"},
    {"code": "genre", "label": "Chaussée", "kind": "multiple_choice", "value": ["Route", "Trottoir"]},
    {"code": "lien", "label": "Plan", "kind": "short_text", "value": LONG_WORD},
    {"code": "photo", "label": "Photo", "kind": "file", "value": "IMG_0912.jpg"},
]


@pytest.fixture
def counter_ticket(request_type, citizen, commune) -> Ticket:
    commune.address = "1 place de l'Hôtel de Ville\n88200 Remiremont"
    commune.website = "https://www.mairie.test"
    commune.opening_hours = "Lundi au vendredi : 8 h 30 – 12 h\nSamedi : 9 h – 12 h"
    commune.save()
    return factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER, answers=ANSWERS)


@pytest.fixture
def access_url(counter_ticket) -> str:
    token = access_token_issue(ticket=counter_ticket)
    return settings.SITE_URL + reverse("portal:access", args=[counter_ticket.reference, token])


def pages(pdf: bytes) -> list[LTPage]:
    return list(extract_pages(io.BytesIO(pdf)))


def text_of(pdf: bytes) -> str:
    """The PDF's text with each run of white space (line breaks included) as one space."""
    text = "".join(
        element.get_text() for page in pages(pdf) for element in page if isinstance(element, LTTextContainer)
    )
    return " ".join(text.split())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_receipt_shows_reference_commune_request_due_date_and_tracking_address(counter_ticket, access_url, layout):
    pdf = counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout=layout)

    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    due = counter_ticket.due_date
    assert counter_ticket.reference_display in text
    assert "Récépissé de dépôt de demande" in text
    assert "Mairie de Testville" in text
    assert "Signaler un nid-de-poule" in text
    assert counter_ticket.service.name in text
    assert f"{due.day} {FRENCH_MONTHS[due.month - 1]} {due.year}" in text
    assert "Remiremont" in text and "Route, Trottoir" in text
    assert "IMG_0912.jpg" in text
    assert "Scannez ce code pour suivre votre demande" in text
    unwrapped = text.replace(" ", "")  # a long address may wrap on the narrow ticket
    assert settings.SITE_URL + "/suivi/" in unwrapped
    assert LONG_WORD in unwrapped


@pytest.mark.parametrize("layout", LAYOUTS)
def test_html_typed_by_the_citizen_is_printed_as_text(counter_ticket, access_url, layout):
    pdf = counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout=layout)

    assert "Un trou <b>gras</b> profond" in text_of(pdf)


def test_a4_layout_is_a4_portrait_with_a_large_qr_code_on_the_first_page(counter_ticket, access_url):
    pdf = counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout="a4")

    # A long request with its legal mentions (CRPA R112-5) may flow onto a second sheet: the QR code stays first.
    first, *others = pages(pdf)
    for page in (first, *others):
        assert page.width * MM_PER_PT == pytest.approx(210, abs=0.5)
        assert page.height * MM_PER_PT == pytest.approx(297, abs=0.5)
    assert len(others) <= 1
    [qr] = [element for element in first if isinstance(element, LTFigure)]
    assert qr.width * MM_PER_PT >= 35


def test_a4_receipt_of_a_short_request_is_one_page_with_its_legal_mentions(request_type, citizen, commune):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER)
    pdf = counter_receipt_pdf(ticket=ticket, access_url="http://127.0.0.1:8000/suivi/x/", layout="a4")

    [page] = pages(pdf)
    assert "Téléphone du service" in text_of(pdf)


def test_ticket_layout_is_80_mm_wide_as_long_as_its_content_and_nothing_overflows(counter_ticket, access_url):
    pdf = counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout="ticket80")

    [page] = pages(pdf)
    assert page.width * MM_PER_PT == pytest.approx(80, abs=0.5)
    boxes = [element for element in page if isinstance(element, LTTextContainer | LTFigure)]
    lowest_mm = min(box.y0 for box in boxes) * MM_PER_PT  # pdfminer measures from the bottom edge
    assert 150 < page.height * MM_PER_PT < 500
    assert lowest_mm < 12, "the ticket should end just after its last line (no blank paper)"
    assert all(box.x0 * MM_PER_PT >= 3.5 and box.x1 * MM_PER_PT <= 76.5 for box in boxes)
    [qr] = [element for element in page if isinstance(element, LTFigure)]
    assert qr.width * MM_PER_PT >= 40


@pytest.mark.parametrize("layout", LAYOUTS)
def test_receipt_without_answers_leaves_out_the_empty_sections(request_type, citizen, commune, layout):
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.COUNTER, answers=[])

    pdf = counter_receipt_pdf(ticket=ticket, access_url="http://127.0.0.1:8000/suivi/x/", layout=layout)

    text = text_of(pdf)
    assert ticket.reference_display in text
    assert "Résumé de votre demande" not in text and "Pièces jointes" not in text
    assert "Horaires" not in text


def test_printing_a_receipt_keeps_pillow_refusing_truncated_images(counter_ticket, access_url):
    # Importing WeasyPrint turns this on for the whole process; uploads rely on it staying off.
    counter_receipt_pdf(ticket=counter_ticket, access_url=access_url)

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_unknown_layout_is_refused(counter_ticket, access_url):
    with pytest.raises(ValueError, match="layout"):
        counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout="a5")


# The QR code, read back from a 200 dpi rendering of the printed page -------------------------------


@pytest.fixture
def decode_qr_codes():
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (Debian package poppler-utils; `make deps` installs it)")
    pyzbar = pytest.importorskip(
        "pyzbar.pyzbar", exc_type=ImportError, reason="pyzbar or libzbar is missing (Debian package libzbar0)"
    )
    from PIL import Image

    def decode(pdf: bytes, tmp_path: Path) -> list:
        (tmp_path / "receipt.pdf").write_bytes(pdf)
        command = ["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "receipt.pdf"), str(tmp_path / "p1")]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        with Image.open(tmp_path / "p1.png") as image:
            return pyzbar.decode(image)

    return decode


@pytest.mark.parametrize("layout", LAYOUTS)
def test_qr_code_holds_the_personal_link(counter_ticket, access_url, layout, decode_qr_codes, tmp_path):
    pdf = counter_receipt_pdf(ticket=counter_ticket, access_url=access_url, layout=layout)

    [code] = decode_qr_codes(pdf, tmp_path)
    assert code.type == "QRCODE"
    assert code.data.decode() == access_url
