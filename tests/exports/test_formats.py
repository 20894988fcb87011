"""XLSX and ODS exports, opened with their reading libraries."""

import datetime
import io

import openpyxl
import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from tests import factories
from tests.exports.conftest import content, export

pytestmark = pytest.mark.django_db
ANSWERED_A = "vue=toutes&statut=answered&statut=in_progress&service={service}&du=2026-05-04&au=2026-05-04&tri=anciennes"


def test_xlsx_has_the_headers_and_typed_values(client, supervisor, dataset):
    client.force_login(supervisor)
    query = ANSWERED_A.format(service=dataset.request_type.service.pk)
    response = export(client, query, format="xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(content(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Numéro", "Reçue le", "Statut")
    assert [row[0] for row in rows[1:]] == [dataset.a.reference_display, dataset.d.reference_display]
    a = rows[1]
    assert a[1] == datetime.datetime(2026, 5, 4, 9, 0)
    assert a[2:4] == ("Répondue", "Formulaire en ligne")
    assert a[7] == datetime.datetime(2026, 5, 21)  # the due date, as a spreadsheet date
    assert (a[8], a[9], a[10]) == ("non", datetime.datetime(2026, 5, 5), 2)
    assert rows[2][10] == 11


def test_xlsx_keeps_a_formula_as_text(client, agent, request_type):
    person = factories.CitizenFactory(last_name="=1+1")
    factories.make_ticket(request_type=request_type, citizen=person)
    client.force_login(agent)
    sheet = openpyxl.load_workbook(io.BytesIO(content(export(client, format="xlsx", usagers="on")))).active
    cell = sheet.cell(row=2, column=12)
    assert cell.data_type == "s" and cell.value == "'=1+1"


def test_ods_has_the_headers_and_values(client, supervisor, dataset):
    client.force_login(supervisor)
    query = ANSWERED_A.format(service=dataset.request_type.service.pk)
    response = export(client, query, format="ods")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    document = load(io.BytesIO(content(response)))
    table = document.spreadsheet.getElementsByType(Table)[0]
    rows = [
        [(cell.getAttribute("valuetype"), teletype.extractText(cell)) for cell in row.getElementsByType(TableCell)]
        for row in table.getElementsByType(TableRow)
    ]
    assert [text for _kind, text in rows[0]][:2] == ["Numéro", "Reçue le"]
    a = rows[1]
    assert a[0] == ("string", dataset.a.reference_display)
    assert a[1] == ("date", "2026-05-04 09:00")
    assert a[7] == ("date", "2026-05-21")
    assert a[10] == ("float", "2")
    assert rows[2][10] == ("float", "11")
    first_date = table.getElementsByType(TableRow)[1].getElementsByType(TableCell)[1]
    assert first_date.getAttribute("datevalue") == "2026-05-04T09:00"
