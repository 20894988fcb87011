"""Exports of tickets: request one (the audit record), stream it, or let the worker build its file.

Pages call ``export_request`` with the name of their registered source (``sources.py``) and their filters;
a small export streams at once (``export_csv_chunks``, ``export_write``), a large one (over
``GUICHET_EXPORT_STREAM_MAX_ROWS``) is built by the worker (``build_export``), stored through Django's
storage and deleted ``GUICHET_EXPORT_FILE_HOURS`` after it is ready (``exports_purge_expired``).
"""

import datetime
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from guichet.accounts.models import User
from guichet.exports import columns, sources, writers
from guichet.exports.columns import Cell
from guichet.exports.models import Export, ExportFormat, ExportStatus

logger = logging.getLogger(__name__)
PROGRESS_EVERY_ROWS = 1_000


class CitizenDataRefused(PermissionDenied):
    """The agent asked for the citizens' columns and may not have them."""


def export_request(
    *,
    user: User,
    source: str,
    filters: sources.Filters,
    format: str,
    separator: str = ",",
    with_citizen: bool = False,
) -> Export:
    """Records the export (who, which page and filters, how many rows, which format). A large one is queued
    for the worker in the same transaction; a small one is for the caller to stream."""
    if with_citizen and not columns.may_include_citizens(user):
        raise CitizenDataRefused(_("Vous ne pouvez pas exporter les coordonnées des usagers."))
    fmt = ExportFormat(format)
    if separator not in writers.SEPARATORS:
        raise ValueError(f"Unknown CSV separator {separator!r}")
    count = sources.tickets_for_export(source=source, user=user, filters=filters).count()
    large = count > settings.GUICHET_EXPORT_STREAM_MAX_ROWS
    with transaction.atomic():
        export = Export.objects.create(
            requested_by=user,
            source=source,
            filters=filters,
            format=fmt,
            separator=separator,
            with_citizen=with_citizen,
            row_count=count,
            status=ExportStatus.QUEUED if large else ExportStatus.STREAMED,
        )
        if large:
            build_export.enqueue(export.pk)
    return export


def _rows(
    export: Export, *, on_row: Callable[[int], None] | None = None, as_text: bool = False
) -> Iterator[list[Cell]]:
    tickets = sources.tickets_for_export(source=export.source, user=export.requested_by, filters=export.filters)
    rows = columns.rows(
        tickets,
        user=export.requested_by,
        with_citizen=export.with_citizen,
        chunk_size=settings.GUICHET_EXPORT_CHUNK_ROWS,
        as_text=as_text,
    )
    done = 0
    for done, row in enumerate(rows, start=1):  # noqa: B007 (the count is read after the loop)
        yield row
        if on_row is not None:
            on_row(done)
    if done != export.row_count:  # tickets came or went since the request: the audit says what was written
        Export.objects.filter(pk=export.pk).update(row_count=done)


def export_csv_chunks(export: Export) -> Iterator[bytes]:
    header = columns.headers(with_citizen=export.with_citizen)
    for chunk in writers.csv_chunks(header, _rows(export, as_text=True), separator=export.separator, as_text=True):
        yield chunk.encode()


def export_write(export: Export, target: IO[bytes], *, on_row: Callable[[int], None] | None = None) -> None:
    """Writes the whole file of ``export`` into ``target`` (a binary file)."""
    header = columns.headers(with_citizen=export.with_citizen)
    csv = export.format == ExportFormat.CSV
    rows: Iterable[list[Cell]] = _rows(export, on_row=on_row, as_text=csv)
    title = _("Demandes")
    if csv:
        writers.write_csv(target, header, rows, separator=export.separator, as_text=True)
    elif export.format == ExportFormat.XLSX:
        writers.write_xlsx(target, header, rows, title=title)
    else:
        writers.write_ods(target, header, rows, title=title)


@task()
def build_export(export_id: int) -> None:
    """The worker's side of a large export: write the file, keeping its progress, then store it."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    if not claimed:
        return
    export = Export.objects.select_related("requested_by").get(pk=export_id)

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY_ROWS == 0:
            Export.objects.filter(pk=export_id).update(rows_done=done)

    try:
        with tempfile.TemporaryFile() as target:
            export_write(export, target, on_row=progress)
            target.seek(0)
            export.refresh_from_db(fields=["row_count"])
            export.file.save(f"{export.public_id}.{export.format}", File(target), save=False)
    except Exception:
        logger.exception("Export %s failed", export.public_id)
        Export.objects.filter(pk=export_id).update(status=ExportStatus.FAILED, finished_at=timezone.now())
        raise
    now = timezone.now()
    export.status = ExportStatus.READY
    export.rows_done = export.row_count
    export.finished_at = now
    export.expires_at = now + datetime.timedelta(hours=settings.GUICHET_EXPORT_FILE_HOURS)
    export.save(update_fields=["file", "status", "rows_done", "finished_at", "expires_at"])


def exports_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Deletes the files whose lifetime is over; the audit rows stay (their status says the file is gone)."""
    now = now or timezone.now()
    purged = 0
    for export in Export.objects.filter(status=ExportStatus.READY, expires_at__lte=now).iterator():
        export.file.delete(save=False)
        Export.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="")
        purged += 1
    return purged
