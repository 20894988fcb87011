"""STORAGE_URL chooses the disk or an S3-compatible store; every file is read, listed and deleted through it."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from guichet.lib.storage import FILE_SYSTEM_BACKEND, S3_BACKEND, SIGNED_URL_SECONDS, local_copy, storage_from_url
from guichet.tickets.models import Attachment
from tests.test_settings import run_manage

ROOT = Path("/srv/media")


def test_no_url_is_the_media_root_on_disk():
    assert storage_from_url("", media_root=ROOT) == ({"BACKEND": FILE_SYSTEM_BACKEND}, ROOT)


def test_a_file_url_names_the_folder():
    assert storage_from_url("file:///var/lib/guichet/media", media_root=ROOT) == (
        {"BACKEND": FILE_SYSTEM_BACKEND},
        Path("/var/lib/guichet/media"),
    )


def test_an_s3_url_gives_a_private_bucket_with_short_signed_addresses():
    backend, root = storage_from_url(
        "s3://KEY:s%2Fcr%40t@objets.example.fr:9000/guichet?region=fr-par&location=/mairie/", media_root=ROOT
    )
    options = backend["OPTIONS"]
    assert backend["BACKEND"] == S3_BACKEND and root == ROOT
    assert options["endpoint_url"] == "https://objets.example.fr:9000"
    assert (options["bucket_name"], options["access_key"], options["secret_key"]) == ("guichet", "KEY", "s/cr@t")
    assert (options["region_name"], options["location"], options["addressing_style"]) == ("fr-par", "mairie", "path")
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == SIGNED_URL_SECONDS == 60
    assert options["file_overwrite"] is False
    assert options["max_memory_size"] == 2 * 1024 * 1024  # a big scan read from the bucket spills to disk


def test_credentials_from_their_own_variables_and_aws_is_virtual_hosted():
    backend, _root = storage_from_url(
        "s3://s3.eu-west-3.amazonaws.com/guichet?secure=1",
        media_root=ROOT,
        access_key="AKIA",
        secret_key="from-a-file",
    )
    assert (backend["OPTIONS"]["access_key"], backend["OPTIONS"]["secret_key"]) == ("AKIA", "from-a-file")
    assert backend["OPTIONS"]["addressing_style"] == "virtual"
    in_the_url = storage_from_url("s3://U:P@h/b", media_root=ROOT, access_key="AKIA", secret_key="autre")
    assert (in_the_url[0]["OPTIONS"]["access_key"], in_the_url[0]["OPTIONS"]["secret_key"]) == ("U", "P")
    assert (
        storage_from_url("s3://h:81/b?secure=0", media_root=ROOT, access_key="a", secret_key="s")[0]["OPTIONS"][
            "endpoint_url"
        ]
        == "http://h:81"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://serveur/media", "file:// or s3://"),
        ("file://relatif/media", "absolute path"),
        ("s3://KEY:Mot2passe@objets.example.fr", "bucket"),
        ("s3://KEY:Mot2passe@objets.example.fr/a/b", "bucket"),
        ("s3://KEY:Mot2passe@objets.example.fr:port/b", "port"),
        ("s3://objets.example.fr/b", "credentials"),
        ("s3://KEY:Mot2passe@objets.example.fr/b?secure=peut-etre", "secure"),
        ("s3://KEY:Mot2passe@objets.example.fr/b?acl=public-read", "unknown"),
        ("s3://KEY:Mot2passe@objets.example.fr/b?addressing=dns", "addressing"),
    ],
)
def test_a_malformed_url_is_refused_without_showing_the_secret(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        storage_from_url(url, media_root=ROOT)
    assert "Mot2passe" not in str(refused.value)


def test_the_settings_refuse_a_malformed_storage_url_at_start(tmp_path):
    result = run_manage("check", GUICHET_VAR_DIR=str(tmp_path), STORAGE_URL="s3://KEY:Mot2passe@objets.example.fr")
    assert result.returncode != 0
    assert "STORAGE_URL" in result.stderr and "Mot2passe" not in result.stderr


def test_files_are_written_read_listed_and_deleted_in_the_bucket(s3_storage):
    name = default_storage.save("attachments/2026/12/essai", ContentFile(b"%PDF-1.7 contenu"))
    again = default_storage.save("attachments/2026/12/essai", ContentFile(b"autre"))
    assert again != name  # never overwritten, as on the disk
    assert s3_storage.keys() == {name, again}
    assert default_storage.listdir("attachments/2026") == (["12"], [])
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.7 contenu"
    default_storage.delete(name)
    assert s3_storage.keys() == {again}


def test_a_signed_address_expires_and_the_bucket_refuses_an_unsigned_one(s3_storage):
    import urllib.error
    import urllib.request

    name = default_storage.save("attachments/prive", ContentFile(b"donnees personnelles"))
    url = default_storage.url(name)
    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the local test server)
        assert response.read() == b"donnees personnelles"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.split("?")[0], timeout=10)  # noqa: S310
    assert refused.value.code == 403


@pytest.mark.django_db
def test_a_tool_that_reads_paths_gets_a_temporary_copy_deleted_afterwards(any_storage):
    stored = Attachment(file=default_storage.save("attachments/scan", ContentFile(b"octets du scan")))
    with local_copy(stored.file, suffix=".png") as path:
        assert path.endswith(".png") and Path(path).read_bytes() == b"octets du scan"
    assert not Path(path).exists()
