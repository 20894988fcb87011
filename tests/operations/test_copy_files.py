"""copy_files: an install moves its files from the disk to an object store, and a bucket is backed up to a folder
and restored, under the same names, so every row still finds its file."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command

from guichet.lib.storage import stored_files

FILES = {
    "attachments/2026/11/a1b2": b"photo",
    "mail/pages/2026/11/c3d4.png": b"\x89PNG page",
    "letters/2026/12/e5f6.pdf": b"%PDF-1.7 lettre",
}


def copy_files(**options) -> str:
    out = io.StringIO()
    call_command("copy_files", stdout=out, **options)
    return out.getvalue()


def test_from_the_disk_to_the_bucket_then_a_backup_and_a_restore(s3_storage, tmp_path):
    disk = FileSystemStorage(location=tmp_path / "ancien-media")
    for name, content in FILES.items():
        disk.save(name, ContentFile(content))

    assert copy_files(source=f"file://{tmp_path}/ancien-media") == "3 fichier(s) copié(s), 0 déjà présent(s).\n"
    assert s3_storage.keys() == set(FILES)
    assert copy_files(source=f"file://{tmp_path}/ancien-media").startswith("0 fichier(s) copié(s), 3 déjà")

    backup = tmp_path / "sauvegarde"
    copy_files(target=f"file://{backup}")
    restored = s3_storage.url.replace(s3_storage.name, "restauration")
    s3_storage.client().create_bucket(
        Bucket="restauration", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    copy_files(source=f"file://{backup}", target=restored)
    restored_keys = s3_storage.client().list_objects_v2(Bucket="restauration")["Contents"]
    assert {item["Key"] for item in restored_keys} == set(FILES)
    for name, content in FILES.items():
        with default_storage.open(name, "rb") as handle:
            assert handle.read() == content
        assert (backup / name).read_bytes() == content
    assert set(stored_files(FileSystemStorage(location=backup))) == set(FILES)


def test_a_copy_needs_a_direction_and_a_valid_address():
    with pytest.raises(CommandError, match="--from"):
        call_command("copy_files")
    with pytest.raises(CommandError, match="STORAGE_URL"):
        call_command("copy_files", target="ftp://serveur/sauvegarde")
