"""docs/INSTALL.md « Sauvegardes », run for real: pg_dump in custom format and a tar of the media folder, restored
into an empty database and an empty folder; the restored install serves every ticket, file and personal link."""

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.tickets.credentials import access_token_issue
from tests import factories
from tests.s3 import REGION, S3Bucket

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not settings.IS_POSTGRESQL,
    reason="the backup procedure is PostgreSQL's (pg_dump/pg_restore); run with DATABASE_URL",
)

CHECK_RESTORED = """
import hashlib, json, sys
import django; django.setup()
from django.test import Client
from guichet.tickets.models import Ticket
expected = json.loads(sys.stdin.read())
found = {"tickets": Ticket.objects.count(), "served": []}
for item in expected:
    client = Client()
    link = client.get(f"/suivi/{item['reference']}/acces/{item['token']}/")
    page = client.get(f"/suivi/{item['reference']}/")
    file = client.get(f"/suivi/{item['reference']}/pieces/{item['attachment']}/")
    content = b"".join(file.streaming_content) if file.status_code == 200 else b""
    found["served"].append([link.status_code, page.status_code, item["reference"] in page.content.decode(),
                            file.status_code, hashlib.sha256(content).hexdigest()])
print(json.dumps(found))
"""


def _png(colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(f"photo-{colour}.png", buffer.getvalue(), content_type="image/png")


def _pg(*args: str, database: str = "") -> list[str]:
    db = connection.settings_dict
    command = [*args, "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    return [*command, *([database] if database else [])]


def _run(argv: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = {**(env or os.environ), "PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, (argv[0], result.stderr)
    return result


def _manage_env(tmp_path: Path, database: str, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STORAGE_URL", "GUICHET_S3_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="guichet.settings",
        GUICHET_ENV_FILE=os.devnull,
        GUICHET_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}",
        SECRET_KEY=settings.SECRET_KEY,  # kept with the backups: sessions and signed values depend on it
        CACHE_URL="locmem://",
        ALLOWED_HOSTS="testserver",
        PYTHONWARNINGS="ignore",
        **extra,
    )
    return env


@pytest.mark.django_db(transaction=True)  # pg_dump must see the rows: they are committed
def test_a_dump_and_a_media_copy_restore_every_ticket_file_and_link(any_storage, request_type, citizen, tmp_path):
    expected = []
    for colour in ("red", "green", "blue"):
        ticket = factories.make_ticket(
            request_type=request_type, citizen=citizen, uploads=[("photo", check_upload(_png(colour)))]
        )
        attachment = ticket.attachments.get()
        with attachment.file.open("rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        token = access_token_issue(ticket=ticket)
        expected.append(
            {"reference": ticket.reference, "token": token, "attachment": attachment.public_id, "sha256": digest}
        )

    # The nightly backup.
    dump, media_archive = tmp_path / "guichet.dump", tmp_path / "media.tar.gz"
    _run(_pg("pg_dump", "--format=custom", "--file", str(dump), database=connection.settings_dict["NAME"]))
    on_s3 = isinstance(any_storage, S3Bucket)
    if on_s3:  # the bucket copied to the backup's folder by the installed command, in its own process
        name = connection.settings_dict["NAME"]
        env = _manage_env(tmp_path, name, STORAGE_URL=any_storage.url, MEDIA_ROOT=str(tmp_path / "unused"))
        _run([sys.executable, "manage.py", "copy_files", "--to", f"file://{tmp_path}/media-copy"], cwd=ROOT, env=env)
    else:
        _run(["tar", "-C", str(settings.MEDIA_ROOT), "-czf", str(media_archive), "."])

    # The restore, on a new server: an empty database and an empty media folder.
    restored = f"{connection.settings_dict['NAME']}_restored"
    _run(_pg("dropdb", "--if-exists", database=restored))
    _run(_pg("createdb", database=restored))
    try:
        _run(_pg("pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump)))
        media = tmp_path / "restored-media"
        media.mkdir()
        if on_s3:  # an empty private bucket, filled from the backup's folder
            bucket = f"restored-{uuid.uuid4().hex[:12]}"
            any_storage.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            storage_url = any_storage.url.replace(f"/{any_storage.name}?", f"/{bucket}?")
            env = _manage_env(tmp_path, restored, STORAGE_URL=storage_url, MEDIA_ROOT=str(media))
            _run(
                [sys.executable, "manage.py", "copy_files", "--from", f"file://{tmp_path}/media-copy"],
                cwd=ROOT,
                env=env,
            )
        else:
            _run(["tar", "-C", str(media), "-xzf", str(media_archive)])
            env = _manage_env(tmp_path, restored, MEDIA_ROOT=str(media))
        check = _run([sys.executable, "-c", CHECK_RESTORED], cwd=ROOT, env=env, input=json.dumps(expected))
    finally:
        connection.close()
        _run(_pg("dropdb", "--if-exists", database=restored))
    found = json.loads(check.stdout.splitlines()[-1])
    assert found["tickets"] == 3
    assert found["served"] == [[302, 200, True, 200, item["sha256"]] for item in expected]
    if on_s3:
        assert not any(media.iterdir())  # every file was read from the restored bucket
