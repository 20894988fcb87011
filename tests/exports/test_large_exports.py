"""Large exports: built by the real worker, followed by their owner only, deleted after their lifetime."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guichet.exports.models import Export, ExportStatus
from guichet.exports.services import exports_purge_expired
from tests import factories
from tests.exports.conftest import export

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def large(settings, request_type, citizen):
    settings.GUICHET_EXPORT_STREAM_MAX_ROWS = 2
    return [factories.make_ticket(request_type=request_type, citizen=citizen) for _ in range(3)]


def test_the_worker_builds_the_file_that_only_its_owner_downloads(any_storage, client, agent, large, run_worker):
    client.force_login(agent)
    response = export(client, "vue=mon-service", point_virgule="on", usagers="on")
    record = Export.objects.get()
    status_url = reverse("backoffice:export", args=[record.public_id])
    assert response.status_code == 302 and response["Location"] == status_url
    assert (record.status, record.row_count) == (ExportStatus.QUEUED, 3)

    waiting = client.get(status_url)
    assert waiting["Refresh"] == "3"
    assert "En attente : 0 %" in waiting.content.decode()
    assert client.get(reverse("backoffice:export_download", args=[record.public_id])).status_code == 404

    run_worker()
    record.refresh_from_db()
    assert (record.status, record.rows_done) == (ExportStatus.READY, 3)
    assert record.expires_at == record.finished_at + datetime.timedelta(hours=24)
    ready = client.get(status_url)
    assert not ready.has_header("Refresh")
    assert "Télécharger le fichier" in ready.content.decode()
    download = client.get(reverse("backoffice:export_download", args=[record.public_id]))
    text = b"".join(download.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 4 and rows[1][-2] == "helene.lefevre@example.org"
    assert {row[0] for row in rows[1:]} == {ticket.reference_display for ticket in large}


def test_another_agent_can_neither_follow_nor_download_it(any_storage, client, agent, large, run_worker):
    client.force_login(agent)
    export(client, format="xlsx")
    run_worker()
    record = Export.objects.get()
    colleague = factories.AgentFactory(services=[large[0].service]).user
    client.force_login(colleague)
    assert client.get(reverse("backoffice:export", args=[record.public_id])).status_code == 404
    assert client.get(reverse("backoffice:export_download", args=[record.public_id])).status_code == 404
    client.force_login(agent)
    download = client.get(reverse("backoffice:export_download", args=[record.public_id]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 4


def test_the_file_is_deleted_after_its_lifetime_and_the_audit_row_stays(any_storage, client, agent, large, run_worker):
    client.force_login(agent)
    export(client, format="ods")
    run_worker()
    record = Export.objects.get()
    storage, name = record.file.storage, record.file.name
    assert storage.exists(name)
    assert exports_purge_expired(now=record.expires_at - datetime.timedelta(minutes=1)) == 0
    assert storage.exists(name)
    assert exports_purge_expired(now=record.expires_at) == 1
    assert not storage.exists(name)
    record.refresh_from_db()
    assert (record.status, record.file.name, record.row_count) == (ExportStatus.EXPIRED, "", 3)
    page = client.get(reverse("backoffice:export", args=[record.public_id])).content.decode()
    assert "plus disponible" in page
    assert client.get(reverse("backoffice:export_download", args=[record.public_id])).status_code == 404


def test_the_purge_command_deletes_only_expired_files(agent, large, run_worker, client):
    client.force_login(agent)
    export(client)
    run_worker()
    Export.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    assert "1 export(s)" in out.getvalue()
    assert Export.objects.get().status == ExportStatus.EXPIRED


def test_a_failed_build_is_recorded_and_shown(client, agent, large, run_worker, monkeypatch):
    client.force_login(agent)
    export(client, format="xlsx")

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr("guichet.exports.writers.write_xlsx", broken)  # the worker runs in this process
    run_worker()
    record = Export.objects.get()
    assert record.status == ExportStatus.FAILED and not record.file
    page = client.get(reverse("backoffice:export", args=[record.public_id]))
    assert "L'export a échoué" in page.content.decode().replace("&#x27;", "'")
    assert not page.has_header("Refresh")
