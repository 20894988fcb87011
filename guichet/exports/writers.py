"""The three file formats, each fed by an iterator of rows so that memory stays flat.

CSV is UTF-8 with a byte order mark (spreadsheet software then reads the accents right). XLSX is written by
openpyxl in write-only mode (rows go to a temporary file as they come); ODS is streamed into its archive.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from guichet.exports.columns import Cell

BOM = "\ufeff"
CSV_BATCH_ROWS = 500
SEPARATORS = {",", ";"}


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_chunks(
    header: list[str],
    rows: Iterable[list[Cell]],
    *,
    separator: str = ",",
    bom: bool = True,
    as_text: bool = False,
) -> Iterator[str]:
    """The CSV text in pieces of a few hundred rows, the byte order mark first (for spreadsheet software).
    ``as_text``: the rows' cells are already text (``columns.rows(as_text=True)``), written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    yield (BOM if bom else "") + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow(row if as_text else [csv_cell(value) for value in row])
        if count % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv(
    target: IO[bytes], header: list[str], rows: Iterable[list[Cell]], *, separator: str = ",", as_text: bool = False
) -> None:
    for chunk in csv_chunks(header, rows, separator=separator, as_text=as_text):
        target.write(chunk.encode())


def write_xlsx(target: IO[bytes], header: list[str], rows: Iterable[list[Cell]], *, title: str) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(target)


def _xlsx_cell(sheet, value: Cell):
    if isinstance(value, datetime.datetime | datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM" if isinstance(value, datetime.datetime) else "DD/MM/YYYY"
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def write_ods(target: IO[bytes], header: list[str], rows: Iterable[list[Cell]], *, title: str) -> None:
    """An OpenDocument spreadsheet, its content.xml streamed into the archive row by row.

    odfpy (the reference library, used by the tests to read these files) builds the whole document tree in
    memory first, about 18 kB per row: a 50,000-row export would need 900 MB. The package written here is
    the minimum the format requires (mimetype stored first, manifest, content)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(ODS_CONTENT_START.format(title=quoteattr(title)).encode())
            content.write(_ods_row(header))
            for row in rows:
                content.write(_ods_row(row))
            content.write(ODS_CONTENT_END.encode())


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{ODS_MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_CONTENT_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet><table:table table:name={title}>"
)
ODS_CONTENT_END = "</table:table></office:spreadsheet></office:body></office:document-content>"
# Characters XML 1.0 does not allow, even escaped.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _ods_row(values: list) -> bytes:
    return ("<table:table-row>" + "".join(_ods_cell(value) for value in values) + "</table:table-row>").encode()


def _ods_cell(value: Cell) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int):
        kind = f'office:value-type="float" office:value="{value}"'
    elif isinstance(value, datetime.datetime):
        kind = f'office:value-type="date" office:date-value="{value.isoformat(timespec="minutes")}"'
    elif isinstance(value, datetime.date):
        kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
    else:
        kind = 'office:value-type="string"'
    text = escape(XML_FORBIDDEN.sub("", csv_cell(value)))
    return f"<table:table-cell {kind}><text:p>{text}</text:p></table:table-cell>"
