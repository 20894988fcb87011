"""HEIC photos (iPhones): accepted, their GPS position offered, stored as a JPEG with no metadata left.

The HEIC files are real ones, written in the test by pillow-heif (libheif's HEVC encoder) with an EXIF block.
"""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.places.photos import photo_position
from guichet.tickets.lifecycle import Channel
from guichet.tickets.services import ticket_create
from tests.places.test_photos import _dms, assert_no_metadata
from tests.portal.test_submission import form_data

LAT, LON = 45.18865, 5.7245


def heic(*, lat: float | None = LAT, lon: float | None = LON, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    if lat is not None and lon is not None:
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    out = io.BytesIO()
    image.save(out, format="HEIF", exif=exif.tobytes(), quality=60)
    data = out.getvalue()
    assert data[4:12] == b"ftypheic" and b"PhoneMaker" in data  # a real HEIC, metadata and all
    return data


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_a_heic_photo_is_accepted_by_its_content():
    checked = check_upload(SimpleUploadedFile("IMG_0042.HEIC", heic(), content_type="application/octet-stream"))
    assert checked.content_type == "image/heic"


def test_a_broken_heic_is_refused_in_french():
    data = heic()
    broken = data[:200] + b"\x00" * 300  # the header says HEIC, the picture is gone
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("IMG_0043.HEIC", broken, content_type="image/heic"))
    assert refused.value.messages == ["L'image « IMG_0043.HEIC » est illisible ou endommagée."]


def test_a_heic_photos_gps_position_is_read():
    position = photo_position(io.BytesIO(heic()))
    assert position == (pytest.approx(LAT, abs=1e-5), pytest.approx(LON, abs=1e-5))
    assert photo_position(io.BytesIO(heic(lat=None, lon=None))) is None


@pytest.mark.django_db
def test_the_form_offers_the_position_of_a_heic_photo(client, ban_api):
    response = client.post(
        reverse("portal:photo_position"), {"photo": SimpleUploadedFile("IMG_0044.HEIC", heic(), "image/heic")}
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["lat"] == pytest.approx(LAT, abs=1e-5) and result["lon"] == pytest.approx(LON, abs=1e-5)


@pytest.mark.django_db
def test_a_heic_photo_is_stored_as_a_jpeg_without_any_metadata(any_storage, request_type, citizen):
    upload = check_upload(SimpleUploadedFile("IMG_0045.HEIC", heic(size=(80, 60)), content_type="image/heic"))
    ticket = ticket_create(
        request_type=request_type, citizen=citizen, channel=Channel.WEB, answers=[], uploads=[("photo", upload)]
    )
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/jpeg"
    assert attachment.original_name == "IMG_0045.jpg"
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert stored[:3] == b"\xff\xd8\xff" and b"ftyp" not in stored
    assert_no_metadata(stored)
    assert photo_position(io.BytesIO(stored)) is None
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (80, 60)


@pytest.mark.django_db
def test_a_heic_sent_with_the_online_form_becomes_a_jpeg(client, request_type):
    upload = SimpleUploadedFile("IMG_0046.heic", heic(), content_type="image/heic")
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), form_data(f_photo=upload))
    assert response.status_code == 302
    attachment = request_type.tickets.get().attachments.get()
    assert (attachment.content_type, attachment.original_name) == ("image/jpeg", "IMG_0046.jpg")
