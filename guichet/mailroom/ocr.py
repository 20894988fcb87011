"""Reading a scan: PNG previews of its pages, the text on them (Tesseract, French model) and a searchable PDF.

A PDF page that already carries text is read as it is; other pages are rasterised at 300 dpi and go
through Tesseract, which returns the text and a one-page PDF with an invisible text layer in one run.
Before reading, a page is turned upright: a letter fed sideways or upside down is turned by a quarter
or half turn (Tesseract's orientation detection, OSD, ``--psm 0``, model ``osd``), then a page fed a few
degrees askew is straightened (the angle whose horizontal ink profile is sharpest). The preview and
the searchable PDF are made from the upright page, so agents read it the right way up.
Tesseract is optional: when its binary or its French model is missing, the previews are still made
and the caller marks the item "OCR unavailable" with the reason.
"""

import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2
import pytesseract
from django.conf import settings
from PIL import Image

from guichet.lib.uploads import SCAN_DPI

logger = logging.getLogger(__name__)

PREVIEW_WIDTH = 1000  # pixels: readable at full width on a desktop screen, zoomable
PREVIEW_DPI = 125  # an A4 page at this resolution is just over PREVIEW_WIDTH wide
# Below this many characters a PDF page is treated as image-only (a scanner's stray label, page number…).
PRIOR_TEXT_MIN_CHARS = 20
TESSERACT_TIMEOUT = 120  # seconds per page: a pathological image must not hold the worker forever
# Below this confidence Tesseract's orientation guess is ignored (a page of few words, a drawing): a
# wrong half turn would garble the text of a page that was upright.
OSD_MIN_CONFIDENCE = 1.0
SKEW_MAX_DEGREES = 10.0  # larger angles are not a page fed askew: left as they are
SKEW_MIN_DEGREES = 0.3  # smaller ones are not worth resampling the page
SKEW_SAMPLE_WIDTH = 600  # pixels: the skew is measured on a reduced copy


class OcrUnavailable(Exception):
    """Tesseract or its language model is not installed; the message says which, in French."""


@dataclass
class PageResult:
    preview_png: bytes
    width: int
    height: int
    text: str


@dataclass
class ScanReading:
    pages: list[PageResult] = field(default_factory=list)
    searchable_pdf: bytes | None = None
    unavailable: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(page.text.strip() for page in self.pages if page.text.strip())


def read_scan(path: str, content_type: str, *, ocr: bool = True) -> ScanReading:
    """Previews and text of every page. Never raises for a missing Tesseract: see ``ScanReading.unavailable``."""
    reading = ScanReading()
    ocr_pages: list[bytes | None] = []  # per page: Tesseract's one-page PDF, or None to keep the original page
    for image, prior_text in _pages(path, content_type):
        text = prior_text
        page_pdf = None
        if len(prior_text.strip()) < PRIOR_TEXT_MIN_CHARS and ocr and not reading.unavailable:
            try:
                upright = _upright(image)
                if upright is not image:
                    image.close()
                    image = upright
                text, page_pdf = _tesseract(image)
            except OcrUnavailable as error:
                reading.unavailable = str(error)
        reading.pages.append(_preview(image, text))
        ocr_pages.append(page_pdf)
        image.close()
    if any(ocr_pages) and not reading.unavailable:
        reading.searchable_pdf = _assemble(path, content_type, ocr_pages)
    return reading


def _pages(path: str, content_type: str) -> Iterator[tuple[Image.Image, str]]:
    if content_type == "application/pdf":
        document = pypdfium2.PdfDocument(path)
        try:
            for page in document:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                # A page with its own text is only previewed: no need for the OCR's resolution.
                dpi = PREVIEW_DPI if len(text.strip()) >= PRIOR_TEXT_MIN_CHARS else SCAN_DPI
                image = page.render(scale=dpi / 72, grayscale=True).to_pil()
                image.info["dpi"] = (dpi, dpi)
                textpage.close()
                page.close()
                yield image, text
        finally:
            document.close()
        return
    with Image.open(path) as source:
        for index in range(getattr(source, "n_frames", 1)):
            source.seek(index)
            image = source.convert("L") if source.mode not in {"1", "L", "RGB"} else source.copy()
            image.info["dpi"] = _dpi(source)
            yield image, ""


def _dpi(image: Image.Image) -> tuple[int, int]:
    dpi = image.info.get("dpi")
    try:
        if dpi is None:
            raise TypeError("no resolution")
        x, y = int(round(float(dpi[0]))), int(round(float(dpi[1])))
    except (TypeError, ValueError, IndexError):
        return (SCAN_DPI, SCAN_DPI)
    # Scanners write their resolution; photos and screenshots often claim 72 dpi or nothing.
    return (x, y) if 100 <= x <= 1200 and 100 <= y <= 1200 else (SCAN_DPI, SCAN_DPI)


def _upright(image: Image.Image) -> Image.Image:
    """The page the right way up and straight; the image itself when nothing needs turning."""
    if image.mode not in {"L", "RGB"}:
        image = image.convert("L")
    turn = _orientation(image)
    if turn:
        image = _rotated(image, -turn, expand=True, resample=Image.Resampling.NEAREST)  # exact quarter turns
    angle = _skew(image)
    if abs(angle) >= SKEW_MIN_DEGREES:
        image = _rotated(image, angle, expand=True, resample=Image.Resampling.BICUBIC)
    return image


def _orientation(image: Image.Image) -> int:
    """Degrees (0, 90, 180, 270) Tesseract's OSD says the page is turned by, counter-clockwise.

    0 when it cannot tell: too little text, or no ``osd`` model installed (the text is then read as the
    page lies, as before)."""
    _configure_tesseract()
    try:
        found = pytesseract.image_to_osd(
            image, config="--psm 0", output_type=pytesseract.Output.DICT, timeout=TESSERACT_TIMEOUT
        )
    except pytesseract.TesseractNotFoundError:
        raise _not_found() from None
    except (pytesseract.TesseractError, RuntimeError, ValueError) as error:  # RuntimeError: the timeout
        logger.info("No orientation detected: %s", error)
        return 0
    turn = int(found.get("rotate", 0)) % 360
    if turn not in {90, 180, 270} or float(found.get("orientation_conf", 0)) < OSD_MIN_CONFIDENCE:
        return 0
    return turn


def _skew(image: Image.Image) -> float:
    """The small rotation (degrees, counter-clockwise) that lines the text up with the page's rows: the one
    whose row-by-row ink profile is sharpest (lines of text alternate with white gaps)."""
    sample = image.convert("L")
    if sample.width > SKEW_SAMPLE_WIDTH:
        ratio = SKEW_SAMPLE_WIDTH / sample.width
        sample = sample.resize((SKEW_SAMPLE_WIDTH, max(1, round(sample.height * ratio))), Image.Resampling.BOX)
    ink = sample.point(lambda value: 255 if value < 128 else 0)  # ink white on black: rotation fills with 0

    def sharpness(angle: float) -> float:
        rows = ink.rotate(angle, resample=Image.Resampling.BILINEAR).resize((1, ink.height), Image.Resampling.BOX)
        values = list(rows.tobytes())  # one byte per row (mode L)
        mean = sum(values) / len(values)
        return sum((value - mean) ** 2 for value in values)

    steps = round(SKEW_MAX_DEGREES * 2)
    best = max((step / 2 for step in range(-steps, steps + 1)), key=sharpness)  # every half degree
    return max((best + step / 10 for step in range(-5, 6)), key=sharpness)  # then every tenth around it


def _rotated(image: Image.Image, angle: float, **options) -> Image.Image:
    white = 255 if image.mode == "L" else (255, 255, 255)
    rotated = image.rotate(angle, fillcolor=white, **options)
    rotated.info["dpi"] = image.info.get("dpi", (SCAN_DPI, SCAN_DPI))
    return rotated


def _configure_tesseract() -> None:
    pytesseract.pytesseract.tesseract_cmd = settings.GUICHET_TESSERACT_CMD
    # One thread per page: OpenMP threads fight each other on small servers (stack notes, section 4).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _not_found() -> OcrUnavailable:
    return OcrUnavailable(
        f"Tesseract est introuvable ({settings.GUICHET_TESSERACT_CMD}) : installez les paquets "
        "tesseract-ocr et tesseract-ocr-fra (make deps)."
    )


def _tesseract(image: Image.Image) -> tuple[str, bytes]:
    _configure_tesseract()
    rgb = image if image.mode in {"L", "RGB"} else image.convert("L")
    try:
        text, pdf = pytesseract.run_and_get_multiple_output(
            rgb, extensions=["txt", "pdf"], lang=settings.GUICHET_OCR_LANG, timeout=TESSERACT_TIMEOUT
        )
    except pytesseract.TesseractNotFoundError:
        raise _not_found() from None
    except pytesseract.TesseractError as error:
        if "language" in str(error.message).lower() or "traineddata" in str(error.message):
            raise OcrUnavailable(
                f"Le modèle de langue « {settings.GUICHET_OCR_LANG} » de Tesseract manque : "
                "installez le paquet tesseract-ocr-fra."
            ) from None
        raise
    return text if isinstance(text, str) else text.decode(), pdf


def _preview(image: Image.Image, text: str) -> PageResult:
    preview = image.convert("L") if image.mode not in {"L", "RGB"} else image
    if preview.width > PREVIEW_WIDTH:
        ratio = PREVIEW_WIDTH / preview.width
        preview = preview.resize((PREVIEW_WIDTH, max(1, round(preview.height * ratio))), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    preview.save(buffer, format="PNG", optimize=True)
    return PageResult(preview_png=buffer.getvalue(), width=preview.width, height=preview.height, text=text)


def _assemble(path: str, content_type: str, ocr_pages: list[bytes | None]) -> bytes:
    """One PDF: Tesseract's page where it read one, the original PDF page where it already had text."""
    output = pypdfium2.PdfDocument.new()
    original = pypdfium2.PdfDocument(path) if content_type == "application/pdf" else None
    try:
        for index, page_pdf in enumerate(ocr_pages):
            if page_pdf is not None:
                single = pypdfium2.PdfDocument(page_pdf)
                output.import_pages(single)
                single.close()
            elif original is not None:
                output.import_pages(original, [index])
        buffer = io.BytesIO()
        output.save(buffer)
        return buffer.getvalue()
    finally:
        output.close()
        if original is not None:
            original.close()
