import tempfile
import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required
from guichet.backoffice.inbox_source import SOURCE as INBOX
from guichet.compliance.access_log import access_export
from guichet.compliance.models import AccessAction
from guichet.exports import selectors, services
from guichet.exports.forms import ExportForm
from guichet.exports.models import Export, ExportFormat, ExportStatus

REFRESH_SECONDS = 3
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.ODS: "application/vnd.oasis.opendocument.spreadsheet",
}


@require_POST
@agent_required
def inbox_export(request: SignedInRequest) -> HttpResponseBase:
    """The inbox's tickets as they stand (its query string) in a file: at once, or by the worker."""
    filters = {key: values for key, values in request.GET.lists() if key != "page"}
    return export_response(request, source=INBOX, filters=filters, back_url=_inbox_url(request))


def export_response(
    request: SignedInRequest, *, source: str, filters: dict[str, list[str]], back_url: str
) -> HttpResponseBase:
    """Record the export a page's form asked for, then stream it, or send the agent to its progress page."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un format d'export."))
        return redirect(back_url)
    try:
        export = services.export_request(
            user=request.user,
            source=source,
            filters=filters,
            format=form.cleaned_data["format"],
            separator=";" if form.cleaned_data["point_virgule"] else ",",
            with_citizen=form.cleaned_data["usagers"],
        )
    except services.CitizenDataRefused as refusal:
        return render(request, "exports/refused.html", {"reason": str(refusal)}, status=403)
    access_export(request, export)
    if export.status == ExportStatus.QUEUED:
        return redirect("backoffice:export", public_id=export.public_id)
    return stream(export)


def stream(export: Export) -> HttpResponseBase:
    """A small export, written as the response goes out (CSV) or from a temporary file (XLSX, ODS)."""
    if export.format == ExportFormat.CSV:
        response: HttpResponseBase = StreamingHttpResponse(
            services.export_csv_chunks(export), content_type=CONTENT_TYPES[ExportFormat.CSV]
        )
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
    target = tempfile.TemporaryFile()
    services.export_write(export, target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=export.filename, content_type=CONTENT_TYPES[ExportFormat(export.format)]
    )


@require_GET
@agent_required
def export_status(request: SignedInRequest, public_id: uuid.UUID) -> HttpResponse:
    export = get_object_or_404(selectors.exports_of(request.user), public_id=public_id)
    working = export.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}
    response = render(request, "exports/status.html", {"export": export, "working": working})
    if working:  # the page follows the worker's progress without any script (the CSP forbids inline ones)
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
@agent_required
def export_download(request: SignedInRequest, public_id: uuid.UUID) -> FileResponse:
    export = get_object_or_404(selectors.exports_of(request.user), public_id=public_id)
    if export.status != ExportStatus.READY or not export.file:
        raise Http404
    access_export(request, export, action=AccessAction.DOWNLOAD)
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=CONTENT_TYPES[ExportFormat(export.format)],
    )


def _inbox_url(request: SignedInRequest) -> str:
    query = request.GET.urlencode()
    return reverse("backoffice:inbox") + (f"?{query}" if query else "")
