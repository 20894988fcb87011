"""Scans are checked by content before anything reads them: fakes, broken files and bombs are refused."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from guichet.lib.uploads import check_scan
from tests.mailroom.conftest import letter_image, save_scan


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces a huge image (a decompression bomb's trick)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def refused(path, code: str) -> str:
    with pytest.raises(ValidationError) as caught:
        check_scan(str(path), name=path.name)
    assert caught.value.code == code
    return caught.value.messages[0]


def test_real_scans_are_accepted(tmp_path):
    for fmt, suffix in [("PNG", "png"), ("PDF", "pdf"), ("TIFF", "tif"), ("JPEG", "jpg")]:
        checked = check_scan(str(save_scan(letter_image(["Bonjour"]), tmp_path / f"a.{suffix}", fmt)), name="a")
        assert checked.page_count == 1 and len(checked.sha256) == 64


def test_text_file_named_pdf_is_refused(tmp_path):
    path = tmp_path / "faux.pdf"
    path.write_text("ceci n'est pas un PDF")
    assert "n'est pas un scan accepté" in refused(path, "bad_type")


def test_broken_pdf_is_refused(tmp_path):
    path = tmp_path / "casse.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")
    refused(path, "bad_pdf")


def test_truncated_png_is_refused(tmp_path):
    data = save_scan(letter_image(["Bonjour"]), tmp_path / "a.png", "PNG").read_bytes()
    path = tmp_path / "tronque.png"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "bad_image")


def test_png_bomb_is_refused_without_decoding(tmp_path):
    path = tmp_path / "bombe.png"
    path.write_bytes(png_claiming(60_000, 60_000))
    assert "trop grande" in refused(path, "too_many_pixels")


def test_huge_pdf_page_is_refused(tmp_path):
    path = tmp_path / "affiche.pdf"
    Image.new("L", (100, 100), 255).save(path, format="PDF", resolution=1.0)  # a 100 × 100 inch page
    refused(path, "too_many_pixels")


def test_too_many_pages_is_refused(tmp_path, settings):
    settings.GUICHET_SCAN_MAX_PAGES = 2
    pages = [Image.new("L", (50, 50), 255) for _ in range(3)]
    path = save_scan(pages, tmp_path / "long.pdf", "PDF")
    assert "trop de pages" in refused(path, "too_many_pages")


def test_empty_and_oversized_files_are_refused(tmp_path, settings):
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    refused(empty, "empty")
    settings.GUICHET_SCAN_MAX_BYTES = 100
    refused(save_scan(letter_image(["Bonjour"]), tmp_path / "a.png", "PNG"), "too_large")
