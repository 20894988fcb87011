"""The three file formats, each fed by an iterator of rows so that memory stays flat.

CSV is UTF-8 with a byte order mark (spreadsheet software then reads the accents right). XLSX is written by
openpyxl in write-only mode (rows go to a temporary file as they come); ODS by odfpy.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import IO

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
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
    header: list[str], rows: Iterable[list[Cell]], *, separator: str = ",", bom: bool = True
) -> Iterator[str]:
    """The CSV text in pieces of a few hundred rows, the byte order mark first (for spreadsheet software)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    yield (BOM if bom else "") + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv(target: IO[bytes], header: list[str], rows: Iterable[list[Cell]], *, separator: str = ",") -> None:
    for chunk in csv_chunks(header, rows, separator=separator):
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
    document = OpenDocumentSpreadsheet()
    table = Table(name=title)
    table.addElement(_ods_row(header))
    for row in rows:
        table.addElement(_ods_row(row))
    document.spreadsheet.addElement(table)
    document.write(target)


def _ods_row(values: list) -> TableRow:
    row = TableRow()
    for value in values:
        row.addElement(_ods_cell(value))
    return row


def _ods_cell(value: Cell) -> TableCell:
    if value is None or value == "":
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
    elif isinstance(value, int):
        cell = TableCell(valuetype="float", value=value)
    elif isinstance(value, datetime.datetime):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(timespec="minutes"))
    elif isinstance(value, datetime.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    else:
        cell = TableCell(valuetype="string")
    cell.addElement(P(text=csv_cell(value)))
    return cell
