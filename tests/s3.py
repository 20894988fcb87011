"""A real S3-compatible server for the file tests: moto's HTTP server, started once per run on a free port.

``s3_storage`` points ``default_storage`` at a new private bucket of it through ``STORAGE_URL`` (the same parser
as production) and checks, when the test ends, that nothing was written under ``MEDIA_ROOT``: with an object
store, no code path may fall back to the local disk. ``any_storage`` runs a test on the disk, then on S3.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage

from guichet.lib.storage import storage_from_url, stored_files

ACCESS_KEY, SECRET_KEY, REGION = "guichet-test", "guichet-test-secret", "eu-west-3"


@dataclass(frozen=True)
class S3Bucket:
    endpoint: str  # http://127.0.0.1:PORT
    name: str
    url: str  # the STORAGE_URL that reaches it

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def keys(self) -> set[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer  # Flask and moto's models load only for the runs that use it

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_server: str, settings) -> Iterator[S3Bucket]:
    name = f"guichet-{uuid.uuid4().hex[:16]}"
    url = f"s3://{ACCESS_KEY}:{SECRET_KEY}@{s3_server}/{name}?secure=0&region={REGION}"
    bucket = S3Bucket(endpoint=f"http://{s3_server}", name=name, url=url)
    bucket.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    backend, _media_root = storage_from_url(url, media_root=Path(settings.MEDIA_ROOT))
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    yield bucket
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*")), "a file went to the local disk instead of the store"


@pytest.fixture(params=["disk", "s3"])
def any_storage(request) -> str | S3Bucket:
    """Run the test once on the local disk, once on the S3 server; the S3 run gives the bucket."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return "disk"


def stored_names(directory: str = "") -> set[str]:
    """Every file of the default storage under ``directory``, through the storage API (disk or S3)."""
    return set(stored_files(default_storage, directory))
