"""The upload checks fed real files of each accepted type, damaged: they accept or refuse with a French
ValidationError of a documented code, and never raise anything else."""

import os
import tempfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings

from guichet.lib.uploads import CheckedScan, CheckedUpload, check_scan, check_upload
from tests.fuzz.strategies import damaged
from tests.lib.malformed import image_bytes, pdf_bytes, tiff_pages

# Pillow warns about what it skips in a damaged TIFF; the refusal is what is tested.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Corrupt EXIF data:UserWarning", "ignore:Truncated File Read:UserWarning"
)

CODES = {"empty", "too_large", "bad_type", "bad_image", "bad_pdf", "no_pages", "too_many_pages", "too_many_pixels"}
UPLOAD_FILES = {
    "png": image_bytes("PNG"),
    "jpeg": image_bytes("JPEG"),
    "webp": image_bytes("WEBP"),
    "pdf": pdf_bytes(2),
}
SCAN_FILES = {**UPLOAD_FILES, "tiff": tiff_pages(2), "tiff-deflate": image_bytes("TIFF", compression="tiff_deflate")}


def assert_documented_refusal(refusal: ValidationError) -> None:
    assert refusal.code in CODES, refusal.code
    (message,) = refusal.messages
    assert "« " in message and " »" in message  # names the file, in French typography


@pytest.mark.parametrize("kind", sorted(UPLOAD_FILES))
def test_check_upload_on_damaged_files(kind):
    @settings(max_examples=60)
    @given(data=damaged(UPLOAD_FILES[kind]))
    def run(data: bytes) -> None:
        try:
            checked = check_upload(SimpleUploadedFile(f"fichier.{kind}", data))
        except ValidationError as refusal:
            assert_documented_refusal(refusal)
        else:
            assert isinstance(checked, CheckedUpload) and checked.size == len(data)

    run()


@pytest.mark.parametrize("kind", sorted(SCAN_FILES))
def test_check_scan_on_damaged_files(kind):
    @settings(max_examples=60)
    @given(data=damaged(SCAN_FILES[kind]))
    def run(data: bytes) -> None:
        handle, path = tempfile.mkstemp(suffix=f".{kind}")
        try:
            os.write(handle, data)
            os.close(handle)
            try:
                checked = check_scan(path, name=f"scan.{kind}")
            except ValidationError as refusal:
                assert_documented_refusal(refusal)
            else:
                assert isinstance(checked, CheckedScan) and checked.page_count >= 1
        finally:
            os.unlink(path)

    run()
