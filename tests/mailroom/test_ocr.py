"""Real Tesseract with its French model on letters drawn by Pillow, as PNG, PDF and TIFF."""

import io
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text

from guichet.mailroom.models import MailItem, MailSource, OcrStatus
from guichet.mailroom.services import mail_item_read, mail_item_receive
from guichet.mailroom.suggestions import suggest
from tests.mailroom.conftest import letter_image, letter_lines, save_scan

pytestmark = pytest.mark.django_db


def receive_and_read(path) -> MailItem:
    item, created = mail_item_receive(path=str(path), name=path.name, source=MailSource.UPLOAD)
    assert created
    mail_item_read(item_id=item.pk)
    item.refresh_from_db()
    return item


@pytest.mark.parametrize("fmt, suffix", [("PNG", "png"), ("PDF", "pdf"), ("TIFF", "tif")])
def test_scan_is_read_in_french_with_accents(tmp_path, fmt, suffix):
    path = save_scan(letter_image(letter_lines()), tmp_path / f"lettre.{suffix}", fmt)
    item = receive_and_read(path)
    assert item.ocr_status == OcrStatus.DONE
    assert "Hélène Lefèvre" in item.ocr_text
    assert "l'Église" in item.ocr_text or "l’Église" in item.ocr_text
    assert "éteint depuis une semaine" in item.ocr_text
    assert "helene lefevre" in item.search_text  # folded for the mail room's search
    page = item.pages.get()
    assert page.width == 1000 and page.image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_searchable_pdf_gets_a_text_layer(any_storage, tmp_path):
    item = receive_and_read(save_scan(letter_image(letter_lines()), tmp_path / "lettre.pdf", "PDF"))
    with item.file.open("rb") as scan, item.searchable_pdf.open("rb") as searchable:
        assert extract_text(io.BytesIO(scan.read())).strip() == ""  # the scan as received: an image only
        assert "Lefèvre" in extract_text(io.BytesIO(searchable.read()))
    assert item.pages.get().image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_pdf_with_text_is_not_read_again(tmp_path, settings):
    from weasyprint import HTML

    path = tmp_path / "texte.pdf"
    HTML(string="<p>Monsieur Jean Dupont, 06 98 76 54 32, merci de votre réponse.</p>").write_pdf(path)
    settings.GUICHET_TESSERACT_CMD = str(tmp_path / "no-tesseract")  # would fail if it were called
    item = receive_and_read(path)
    assert item.ocr_status == OcrStatus.DONE
    assert "Jean Dupont" in item.ocr_text
    assert not item.searchable_pdf


def test_without_tesseract_the_item_is_kept_and_marked_unavailable(tmp_path, settings, letter_png):
    settings.GUICHET_TESSERACT_CMD = str(tmp_path / "missing" / "tesseract")
    item = receive_and_read(letter_png)
    assert item.ocr_status == OcrStatus.UNAVAILABLE
    assert "Tesseract est introuvable" in item.ocr_message
    assert item.ocr_text == ""
    assert item.pages.count() == 1  # previews need no Tesseract


def test_missing_language_model_is_reported(letter_png, settings):
    settings.GUICHET_OCR_LANG = "zzz"
    item = receive_and_read(letter_png)
    assert item.ocr_status == OcrStatus.UNAVAILABLE
    assert "zzz" in item.ocr_message


def test_suggestions_from_the_ocr_text(tmp_path, quoted_ticket):
    ticket = quoted_ticket
    lines = letter_lines(reference=ticket.reference_display)
    item = receive_and_read(save_scan(letter_image(lines), tmp_path / "suite.png", "PNG"))
    found = suggest(item.ocr_text)
    assert found.emails == ["helene.lefevre@example.org"]
    assert found.phones == ["+33612345678"]
    assert ("88200", "Remiremont") in found.postcodes
    assert ("Hélène", "Lefèvre") in found.names
    assert found.streets == ["12 rue de l'Église"]
    assert found.references == [ticket.reference]


def test_suggestions_ignore_the_mayor_and_bad_check_symbols():
    found = suggest("Monsieur le Maire,\nréférence ABC-DEF-GH1\nM. Jean DUPONT")
    assert found.names == [("Jean", "DUPONT")]
    assert found.references == []


def test_multi_page_tiff_has_one_preview_and_text_per_page(tmp_path):
    pages = [letter_image(["Première lettre de Madame Martin"]), letter_image(["Seconde lettre de Monsieur Petit"])]
    item = receive_and_read(save_scan(pages, tmp_path / "deux.tif", "TIFF"))
    assert item.page_count == 2
    assert [p.number for p in item.pages.all()] == [1, 2]
    assert "Martin" in item.pages.get(number=1).text and "Petit" in item.pages.get(number=2).text


def test_reference_misread_by_the_ocr_is_still_found():
    from guichet.lib import references

    reference = next(r for r in iter(references.generate, None) if "Z" in r[:8])
    misread = references.display(reference).replace("Z", "7", 1)
    assert reference in suggest(f"Objet : ma demande {misread}").references
    noisy = references.display(reference)[:-1] + "]" + reference[-1]  # a stray bracket before the last symbol
    assert reference in suggest(f"demande {noisy}").references


# --- letters fed sideways, upside down or askew: read upright, shown upright ---


def ink_box(item: MailItem) -> tuple[float, float, float, float]:
    """Where the text is on the stored page, as fractions of its width and height."""
    from PIL import Image, ImageOps

    page = item.pages.get()
    with Image.open(page.image) as image:
        left, top, right, bottom = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 128 else 0).getbbox()
        return left / image.width, top / image.height, right / image.width, bottom / image.height


@pytest.mark.parametrize("angle", [90, 180, 270, 4, -3])
def test_a_letter_fed_sideways_upside_down_or_askew_is_read_and_stored_upright(tmp_path, angle):
    from guichet.mailroom.ocr import _skew

    upright = letter_image(letter_lines())
    scanned = upright.rotate(angle, expand=True, fillcolor=255)  # counter-clockwise, as fed to the scanner
    item = receive_and_read(save_scan(scanned, tmp_path / f"lettre-{angle}.png", "PNG"))
    assert item.ocr_status == OcrStatus.DONE
    assert "Hélène Lefèvre" in item.ocr_text and "éteint depuis une semaine" in item.ocr_text
    page = item.pages.get()
    assert page.width > page.height  # the letter is landscape-shaped: turned back from portrait
    left, top, _right, bottom = ink_box(item)
    assert left < 0.2 and top < 0.2 and bottom < 0.9  # text starts top left, as on the letter
    if abs(angle) < 90:
        from PIL import Image

        with Image.open(page.image) as image:
            assert abs(_skew(image)) < 0.5  # its lines are level
    with item.searchable_pdf.open("rb") as searchable:
        assert "Lefèvre" in extract_text(io.BytesIO(searchable.read()))


def test_a_page_without_text_is_kept_as_it_is(tmp_path):
    from PIL import Image, ImageDraw

    drawing = Image.new("L", (600, 400), 255)
    ImageDraw.Draw(drawing).rectangle((100, 100, 300, 250), outline=0, width=6)  # no text: OSD cannot tell
    item = receive_and_read(save_scan(drawing, tmp_path / "plan.png", "PNG"))
    assert item.ocr_status == OcrStatus.DONE
    assert (item.pages.get().width, item.pages.get().height) == (600, 400)


def test_without_the_orientation_model_letters_are_still_read(tmp_path, monkeypatch, letter_png):
    """An install without tesseract-ocr-osd: the page is read as it lies, nothing is lost."""
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    for path in Path(TESSDATA).iterdir():
        if path.name != "osd.traineddata":
            (tessdata / path.name).symlink_to(path)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tessdata))
    item = receive_and_read(letter_png)
    assert item.ocr_status == OcrStatus.DONE
    assert "éteint depuis une semaine" in item.ocr_text


def test_the_orientation_model_is_installed():
    assert Path(TESSDATA, "osd.traineddata").exists()  # Debian package tesseract-ocr-osd (Makefile APT_PACKAGES)


TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"
