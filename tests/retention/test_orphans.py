"""The sweep of files no row names: listed through the storage (recursively, disk or S3), deleted once a day old."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.retention import orphans
from tests import factories
from tests.s3 import S3Bucket, stored_names

pytestmark = pytest.mark.django_db


def test_files_no_row_names_are_deleted_once_old_enough_and_only_them(any_storage, monkeypatch, request_type):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, format="PNG")
    photo = check_upload(SimpleUploadedFile("trou.png", buffer.getvalue()))
    ticket = factories.make_ticket(
        request_type=request_type, citizen=factories.CitizenFactory(), uploads=[("photo", photo)]
    )
    kept = ticket.attachments.get().file.name
    lost = {
        default_storage.save("attachments/2026/01/perdu", ContentFile(b"x")),
        default_storage.save("mail/pages/2026/01/perdu.png", ContentFile(b"x")),
        default_storage.save("letters/2026/01/perdu.pdf", ContentFile(b"x")),
        default_storage.save("courriels/2026/01/perdu.eml", ContentFile(b"x")),
    }
    elsewhere = default_storage.save("exports/en-cours.csv", ContentFile(b"x"))  # exports have their own purge

    assert orphans.orphan_files_delete() == 0  # written just now: maybe a transaction still running
    assert stored_names() == {kept, elsewhere, *lost}

    monkeypatch.setattr(orphans, "GRACE", datetime.timedelta(0))  # a day later
    assert orphans.orphan_files_delete() == 4
    assert stored_names() == {kept, elsewhere}
    if isinstance(any_storage, S3Bucket):
        assert any_storage.keys() == {kept, elsewhere}
