import hashlib
import io
import random
import struct
import zipfile
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from PIL import Image, ImageFile
from PIL.PngImagePlugin import PngImageFile

from guichet.lib.uploads import AttachmentField, CheckedUpload, MultipleAttachmentField, check_upload

TYPES = "HEIC, JPEG, PDF, PNG, WebP"


# Real files, built in memory ------------------------------------------------------------------


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
# A Windows executable starts with the DOS header "MZ" and points to a "PE\0\0" header.
EXE = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 0x80) + b"\x00" * (0x80 - 64) + b"PE\x00\x00" + b"\x00" * 400
HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("virus.exe", EXE)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, idat: bytes) -> bytes:
    """A PNG whose header announces ``width`` × ``height`` one-bit pixels, with the given image data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_scan_start(data: bytes) -> int:
    """Offset of the entropy-coded data, just after the start-of-scan header."""
    marker = data.index(b"\xff\xda")
    return marker + 2 + int.from_bytes(data[marker + 2 : marker + 4], "big")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def messages(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.messages


# Accepted files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("photo.webp", image_bytes("WEBP"), "image/webp"),
        ("lettre.pdf", PDF, "application/pdf"),
    ],
)
def test_accepted_file_returns_sniffed_type_size_and_sha256(name, data, content_type):
    checked = check_upload(upload(name, data))
    assert checked.content_type == content_type
    assert checked.name == name
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_type_comes_from_content_not_name_or_declared_type():
    checked = check_upload(SimpleUploadedFile("scan.jpg", PDF, content_type="image/jpeg"))
    assert checked.content_type == "application/pdf"
    checked = check_upload(SimpleUploadedFile("lettre.pdf", image_bytes("PNG"), content_type="application/pdf"))
    assert checked.content_type == "image/png"


def test_accepted_upload_is_rewound_for_saving():
    data = image_bytes("JPEG", (640, 480))
    checked = check_upload(upload("photo.jpg", data))
    assert checked.file.tell() == 0
    assert checked.file.read() == data


def test_large_phone_photo_is_accepted():
    # 12 megapixels, the size of a common phone photo.
    checked = check_upload(upload("IMG_2048.jpg", image_bytes("JPEG", (4000, 3000))))
    assert checked.content_type == "image/jpeg"


def test_long_name_keeps_its_end_and_is_cut_to_200_characters():
    name = "a" * 230 + ".png"
    checked = check_upload(upload(name, image_bytes("PNG")))
    assert len(checked.name) == 200
    assert checked.name.endswith("aaa.png")


# Refused types --------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "data"), [("exe", EXE), ("zip", zip_bytes()), ("html", HTML), ("svg", SVG)])
@pytest.mark.parametrize("name", ["photo.jpg", "lettre.pdf"])
def test_file_of_another_type_renamed_is_refused_with_its_name(kind, data, name):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile(name, data, content_type="image/jpeg"))
    assert error.value.code == "bad_type"
    assert messages(error) == [f"Le fichier « {name} » n'est pas d'un type accepté ({TYPES})."]


def test_gif_image_is_not_an_accepted_type():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(ValidationError) as error:
        check_upload(upload("anim.gif", buffer.getvalue()))
    assert error.value.code == "bad_type"


def test_empty_file_is_refused():
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("vide.pdf", b""))
    assert error.value.code == "empty"
    assert messages(error) == ["Le fichier « vide.pdf » est vide."]


def test_file_over_the_size_limit_is_refused(settings):
    settings.GUICHET_ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = PDF + b"%" * (1024 * 1024)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("gros.pdf", data))
    assert error.value.code == "too_large"
    assert messages(error) == ["Le fichier « gros.pdf » dépasse la taille maximale de 1 Mo."]


def test_file_exactly_at_the_size_limit_is_accepted(settings):
    data = image_bytes("PNG")
    settings.GUICHET_ATTACHMENT_MAX_BYTES = len(data)
    assert check_upload(upload("photo.png", data)).size == len(data)
    settings.GUICHET_ATTACHMENT_MAX_BYTES = len(data) - 1
    with pytest.raises(ValidationError) as error:
        check_upload(upload("photo.png", data))
    assert error.value.code == "too_large"


# Hostile and damaged images -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def decoding_spy(monkeypatch) -> list[str]:
    """Records every attempt to decode or verify image data."""
    calls: list[str] = []
    load, verify = ImageFile.ImageFile.load, PngImageFile.verify

    def spied_load(self):
        calls.append("load")
        return load(self)

    def spied_verify(self):
        calls.append("verify")
        return verify(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spied_load)
    monkeypatch.setattr(PngImageFile, "verify", spied_verify)
    return calls


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused_as_too_large_without_decoding(bomb_png, decoding_spy):
    assert len(bomb_png) < 100_000  # tiny file, 100 million pixels
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("bomb.png", bomb_png))
    assert error.value.code == "too_many_pixels"
    assert messages(error) == ["L'image « bomb.png » est trop grande (10000 × 10000 pixels)."]
    assert decoding_spy == []


def test_size_is_checked_before_data_so_a_huge_header_with_junk_data_is_too_large():
    # If the data were read first, this one would be reported as damaged instead.
    data = png_claiming(8000, 8000, b"not zlib at all")
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("plan.png", data))
    assert messages(error) == ["L'image « plan.png » est trop grande (8000 × 8000 pixels)."]


def test_image_beyond_pillow_own_limit_is_refused_as_too_large_not_as_damaged(decoding_spy):
    # 900 megapixels: Pillow refuses to even open it, which must still read as "too large".
    data = png_claiming(30000, 30000, zlib.compress(b"\x00" * 1000))
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("bomb.png", data))
    assert error.value.code == "too_many_pixels"
    assert messages(error) == ["L'image « bomb.png » est trop grande."]
    assert decoding_spy == []


def test_normal_png_is_verified(decoding_spy):
    check_upload(upload("photo.png", image_bytes("PNG")))
    assert decoding_spy == ["verify"]


@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
def test_truncated_jpeg_is_refused_as_unreadable(keep):
    data = image_bytes("JPEG", (320, 240))
    start = jpeg_scan_start(data)
    truncated = data[: start + int((len(data) - start) * keep)]
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("photo.jpg", truncated))
    assert error.value.code == "bad_image"
    assert messages(error) == ["L'image « photo.jpg » est illisible ou endommagée."]


def test_jpeg_with_valid_header_and_random_body_is_refused_as_unreadable():
    data = image_bytes("JPEG")
    start = jpeg_scan_start(data)
    body = random.Random(0).randbytes(len(data) - start - 2)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("photo.jpg", data[:start] + body + b"\xff\xd9"))
    assert messages(error) == ["L'image « photo.jpg » est illisible ou endommagée."]


def test_jpeg_header_followed_by_nothing_useful_is_refused():
    data = image_bytes("JPEG")
    with pytest.raises(ValidationError) as error:
        check_upload(upload("photo.jpg", data[:20] + b"\x00" * 200))
    assert error.value.code == "bad_image"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_truncated_png_or_webp_is_refused_as_unreadable(fmt):
    data = image_bytes(fmt)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(upload("image", data[: len(data) // 2]))
    assert messages(error) == ["L'image « image » est illisible ou endommagée."]


def test_png_with_corrupted_checksum_is_refused():
    data = bytearray(image_bytes("PNG"))
    data[-20] ^= 0xFF  # inside the last image-data chunk, before its CRC and the end chunk
    with pytest.raises(ValidationError) as error:
        check_upload(upload("photo.png", bytes(data)))
    assert error.value.code == "bad_image"


def test_refused_image_is_rewound():
    damaged = upload("photo.jpg", image_bytes("JPEG")[:400])
    with pytest.raises(ValidationError):
        check_upload(damaged)
    assert damaged.tell() == 0


# Form fields ----------------------------------------------------------------------------------


class OneFileForm(forms.Form):
    document = AttachmentField(required=False)


class RequiredFileForm(forms.Form):
    document = AttachmentField()


class ManyFilesForm(forms.Form):
    files = MultipleAttachmentField()


class RequiredManyFilesForm(forms.Form):
    files = MultipleAttachmentField(required=True)


def test_attachment_field_returns_checked_upload():
    data = image_bytes("PNG")
    form = OneFileForm(data={}, files={"document": upload("photo.png", data)})
    assert form.is_valid(), form.errors
    checked = form.cleaned_data["document"]
    assert isinstance(checked, CheckedUpload)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_attachment_field_refuses_disguised_file_with_french_message():
    form = OneFileForm(data={}, files={"document": upload("photo.jpg", EXE)})
    with translation.override("fr"):
        assert not form.is_valid()
        assert form.errors["document"] == [f"Le fichier « photo.jpg » n'est pas d'un type accepté ({TYPES})."]


def test_optional_attachment_field_left_empty_is_none():
    form = OneFileForm(data={}, files={})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["document"] is None


def test_required_attachment_field_left_empty_is_refused_in_french():
    form = RequiredFileForm(data={}, files={})
    with translation.override("fr"):
        assert not form.is_valid()
        assert form.errors["document"] == ["Ce champ est obligatoire."]


def test_attachment_field_advertises_accepted_types_to_the_browser():
    html = str(OneFileForm()["document"])
    assert 'accept=".pdf,.jpg' in html
    assert "image/heic" in html


def test_multiple_field_checks_every_file():
    files = [upload("a.png", image_bytes("PNG")), upload("b.pdf", PDF), upload("c.webp", image_bytes("WEBP"))]
    form = ManyFilesForm(data={}, files=MultiValueDict({"files": files}))
    assert form.is_valid(), form.errors
    assert [checked.content_type for checked in form.cleaned_data["files"]] == [
        "image/png",
        "application/pdf",
        "image/webp",
    ]


def test_multiple_field_reports_each_bad_file_by_name():
    files = [upload("a.png", image_bytes("PNG")), upload("b.jpg", HTML), upload("c.pdf", b"")]
    form = ManyFilesForm(data={}, files=MultiValueDict({"files": files}))
    with translation.override("fr"):
        assert not form.is_valid()
        assert form.errors["files"] == [
            f"Le fichier « b.jpg » n'est pas d'un type accepté ({TYPES}).",
            "Le fichier soumis est vide.",
        ]


def test_multiple_field_enforces_the_count_limit(settings):
    settings.GUICHET_ATTACHMENT_MAX_COUNT = 2
    files = [upload(f"{n}.pdf", PDF) for n in range(3)]
    form = ManyFilesForm(data={}, files=MultiValueDict({"files": files}))
    with translation.override("fr"):
        assert not form.is_valid()
        assert form.errors["files"] == ["Vous pouvez joindre 2 fichiers au plus."]


def test_multiple_field_accepts_exactly_the_count_limit(settings):
    settings.GUICHET_ATTACHMENT_MAX_COUNT = 2
    files = [upload(f"{n}.pdf", PDF) for n in range(2)]
    form = ManyFilesForm(data={}, files=MultiValueDict({"files": files}))
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["files"]) == 2


def test_optional_multiple_field_left_empty_is_an_empty_list():
    form = ManyFilesForm(data={}, files=MultiValueDict())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["files"] == []


def test_required_multiple_field_left_empty_is_refused_in_french():
    form = RequiredManyFilesForm(data={}, files=MultiValueDict())
    with translation.override("fr"):
        assert not form.is_valid()
        assert form.errors["files"] == ["Ce champ est obligatoire."]


def test_multiple_field_accepts_a_single_file_not_in_a_list():
    field = MultipleAttachmentField()
    checked = field.clean(upload("a.pdf", PDF))
    assert [item.content_type for item in checked] == ["application/pdf"]
