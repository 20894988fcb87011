"""Files the content checks cannot read are refused with a French ValidationError, never anything else."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.lib.uploads import check_scan, check_upload
from tests.lib.malformed import (
    UNREADABLE_SCANS,
    UNREADABLE_UPLOADS,
    pdf_bytes,
    pdf_with_broken_page,
    png_with_text_bomb,
    tiff_pages,
    tiff_second_page_without_width,
)

REASONS = ("illisible ou endommagée", "illisible, endommagé", "est vide")


@pytest.mark.parametrize("name", sorted(UNREADABLE_UPLOADS))
def test_unreadable_upload_is_refused_in_french(name):
    with pytest.raises(ValidationError) as refusal:
        check_upload(SimpleUploadedFile(name, UNREADABLE_UPLOADS[name]))
    (message,) = refusal.value.messages
    assert f"« {name} »" in message
    assert any(reason in message for reason in REASONS)


@pytest.mark.parametrize("name", sorted(UNREADABLE_SCANS))
def test_unreadable_scan_is_refused_in_french(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(UNREADABLE_SCANS[name])
    with pytest.raises(ValidationError) as refusal:
        check_scan(str(path), name=name)
    (message,) = refusal.value.messages
    assert f"« {name} »" in message
    assert any(reason in message for reason in REASONS)


def test_png_whose_text_chunk_pillow_refuses_with_value_error_is_unreadable():
    with pytest.raises(ValidationError) as refusal:
        check_upload(SimpleUploadedFile("photo.png", png_with_text_bomb()))
    assert refusal.value.code == "bad_image"


def test_pdf_header_alone_is_refused_on_the_web_too():
    with pytest.raises(ValidationError) as refusal:
        check_upload(SimpleUploadedFile("lettre.pdf", b"%PDF-1.4\n"))
    assert refusal.value.code == "bad_pdf"


def test_pdf_page_whose_size_pdfium_cannot_read_is_unreadable(tmp_path):
    path = tmp_path / "lettre.pdf"
    path.write_bytes(pdf_with_broken_page())
    with pytest.raises(ValidationError) as refusal:
        check_scan(str(path), name="lettre.pdf")
    assert refusal.value.code == "bad_pdf"


def test_tiff_page_without_dimensions_is_unreadable(tmp_path):
    path = tmp_path / "scan.tif"
    path.write_bytes(tiff_second_page_without_width())
    with pytest.raises(ValidationError) as refusal:
        check_scan(str(path), name="scan.tif")
    assert refusal.value.code == "bad_image"


def test_real_pdf_and_multipage_tiff_are_still_accepted(tmp_path):
    assert check_upload(SimpleUploadedFile("lettre.pdf", pdf_bytes(2))).content_type == "application/pdf"
    path = tmp_path / "scan.tif"
    path.write_bytes(tiff_pages(3))
    assert check_scan(str(path), name="scan.tif").page_count == 3


def test_uploaded_pdf_on_disk_is_read_from_its_temporary_file(settings):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    data = pdf_bytes(1)
    upload = TemporaryUploadedFile("lettre.pdf", "application/pdf", len(data), None)
    upload.write(data)
    upload.seek(0)
    assert check_upload(upload).sha256
    upload.close()
