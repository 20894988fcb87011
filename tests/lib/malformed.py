"""Small real files of each accepted type, and files the upload checks cannot read, built in memory.

Shared by the checkers' tests, every upload path's test and the fuzzers.
"""

import io
import struct
import zlib

import pypdfium2
from PIL import Image


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), **options) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buffer, fmt, **options)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def tiff_pages(pages: int = 2) -> bytes:
    frames = [Image.effect_noise((32, 24), 40).convert("L") for _ in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_text_bomb() -> bytes:
    """A valid PNG with a compressed text chunk over Pillow's limit: Pillow raises ValueError on opening."""
    data = image_bytes("PNG", (4, 4))
    header_end = 8 + 25  # signature, then the IHDR chunk
    bomb = png_chunk(b"zTXt", b"note\x00\x00" + zlib.compress(b"a" * 2_000_000))
    return data[:header_end] + bomb + data[header_end:]


def tiff_second_page_without_width() -> bytes:
    """A two-page TIFF whose second directory lost its ImageWidth tag: Pillow raises TypeError on that page."""
    data = bytearray(tiff_pages(2))
    first = struct.unpack_from("<I", data, 4)[0]
    count = struct.unpack_from("<H", data, first)[0]
    second = struct.unpack_from("<I", data, first + 2 + 12 * count)[0]
    for index in range(struct.unpack_from("<H", data, second)[0]):
        entry = second + 2 + 12 * index
        if struct.unpack_from("<H", data, entry)[0] == 256:  # ImageWidth
            struct.pack_into("<H", data, entry, 65000)  # an unknown private tag instead
    return bytes(data)


def pdf_with_broken_page() -> bytes:
    """A PDF whose page tree points at an object that is not a page: pdfium opens it, then fails on its size."""
    return (
        b"%PDF-1.4\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj 42 endobj\n"
        b"trailer << /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def jpeg_with_bad_marker() -> bytes:
    data = bytearray(image_bytes("JPEG"))
    start = data.index(b"\xff\xda")  # start of scan: make it an unknown marker
    data[start + 1] = 0x02
    return bytes(data)


# Files each upload path must refuse with a French message, never with a 500.
UNREADABLE_UPLOADS = {
    "tronque.png": image_bytes("PNG")[:60],
    "texte-geant.png": png_with_text_bomb(),
    "entete.pdf": b"%PDF-1.4\n",
    "page-cassee.pdf": pdf_with_broken_page(),
    "vide.jpg": b"",
    "marqueur.jpg": jpeg_with_bad_marker(),
}
UNREADABLE_SCANS = {
    **UNREADABLE_UPLOADS,
    "entete.tif": b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    "page2.tif": tiff_second_page_without_width(),
}
