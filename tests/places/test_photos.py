import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, TiffImagePlugin

from guichet.lib.uploads import check_upload
from guichet.places.photos import image_without_metadata, photo_position
from guichet.tickets.lifecycle import Channel
from guichet.tickets.services import ticket_create

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="45,11.31N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return tuple(TiffImagePlugin.IFDRational(part) for part in (degrees, minutes, seconds))


def photo(fmt: str = "JPEG", *, lat: float | None = 45.18865, lon: float | None = -5.7245, orientation: int = 1):
    image = Image.new("RGB", (64, 32), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = orientation
    if lat is not None and lon is not None:
        exif.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: _dms(abs(lon))}
        )
    out = io.BytesIO()
    options = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        options["comment"] = b"taken behind the town hall"
        options["xmp"] = XMP
    if fmt == "WEBP":
        options["xmp"] = XMP
    image.save(out, format=fmt, **options)
    return out.getvalue()


def assert_no_metadata(data: bytes) -> None:
    for marker in (b"Exif", b"<x:xmpmeta", b"PhoneMaker", b"Model X", b"town hall", b"eXIf", b"tEXt", b"iTXt"):
        assert marker not in data, marker
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photos_gps_position_is_read(fmt):
    position = photo_position(io.BytesIO(photo(fmt)))
    assert position is not None
    assert position[0] == pytest.approx(45.18865, abs=1e-5)
    assert position[1] == pytest.approx(-5.7245, abs=1e-5)


def test_no_gps_no_position():
    assert photo_position(io.BytesIO(photo(lat=None, lon=None))) is None
    assert photo_position(io.BytesIO(b"not an image at all")) is None


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_the_clean_copy_has_no_metadata(fmt, mime):
    original = photo(fmt)
    if fmt == "JPEG":
        assert b"Exif" in original and b"<x:xmpmeta" in original
    clean = image_without_metadata(io.BytesIO(original), mime)
    assert clean is not None
    assert_no_metadata(clean)
    assert photo_position(io.BytesIO(clean)) is None


def test_the_orientation_is_applied_before_it_goes():
    clean = image_without_metadata(io.BytesIO(photo(orientation=6)), "image/jpeg")  # rotated 90°
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (32, 64)


def test_other_types_are_left_alone():
    assert image_without_metadata(io.BytesIO(b"%PDF-1.4"), "application/pdf") is None


@pytest.mark.django_db
def test_the_stored_attachment_has_no_metadata(request_type, citizen):
    original = photo()
    upload = check_upload(SimpleUploadedFile("lampadaire.jpg", original, content_type="image/jpeg"))
    ticket = ticket_create(
        request_type=request_type, citizen=citizen, channel=Channel.WEB, answers=[], uploads=[("photo", upload)]
    )
    attachment = ticket.attachments.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert_no_metadata(stored)
    assert stored != original
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
