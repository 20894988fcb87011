"""The statistics page's export: the tickets received in the period it shows, narrowed by its filters."""

import io

import openpyxl
import pytest
from django.urls import reverse

from guichet.exports.models import Export
from tests.exports.conftest import content, csv_rows

pytestmark = pytest.mark.django_db
MAY = "periode=perso&du=2026-05-01&au=2026-05-31"


def export_from_page(client, query: str, **options):
    return client.post(reverse("backoffice:pilotage_export") + f"?{query}", {"format": "csv", **options})


def references(response) -> list[str]:
    return sorted(row[0] for row in csv_rows(response)[1:])


def test_the_page_exports_the_tickets_received_in_its_period_and_filters(client, dataset, supervisor):
    client.force_login(supervisor)
    received_in_may = [
        dataset.a,
        dataset.f,
        dataset.h,
        dataset.g,
        dataset.b,
        dataset.c,
        dataset.j,
        dataset.e,
        dataset.d,
    ]
    assert references(export_from_page(client, MAY)) == sorted(t.reference_display for t in received_in_may)
    assert references(export_from_page(client, f"{MAY}&canal=email")) == [dataset.g.reference_display]
    other_service = dataset.other_type.service.pk
    assert references(export_from_page(client, f"{MAY}&service={other_service}")) == [dataset.h.reference_display]
    export = Export.objects.latest("pk")
    assert (export.requested_by, export.source, export.row_count) == (supervisor, "statistics", 1)


def test_the_page_shows_the_export_form_with_its_filters(client, dataset, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("backoffice:pilotage") + f"?{MAY}").content.decode()
    assert 'action="/agent/pilotage/exporter/?periode=perso&amp;du=2026-05-01&amp;au=2026-05-31"' in html


def test_an_agent_exports_only_the_tickets_of_their_services(client, dataset, other_agent):
    client.force_login(other_agent)
    assert references(export_from_page(client, MAY)) == [dataset.h.reference_display]


def test_the_xlsx_opens_with_the_same_rows(client, dataset, supervisor):
    client.force_login(supervisor)
    response = export_from_page(client, f"{MAY}&canal=email", format="xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(content(response)), read_only=True).active.iter_rows(values_only=True)
    )
    assert len(rows) == 2 and rows[1][0] == dataset.g.reference_display


def test_reception_is_refused_and_nothing_is_recorded(client, dataset, reception):
    client.force_login(reception)
    assert export_from_page(client, MAY).status_code == 403
    assert not Export.objects.exists()


def test_wrong_filters_send_back_to_the_page_without_exporting(client, dataset, supervisor):
    client.force_login(supervisor)
    response = export_from_page(client, "periode=perso&du=2026-05-31&au=2026-05-01")
    assert response.status_code == 302 and response["Location"].startswith(reverse("backoffice:pilotage"))
    assert not Export.objects.exists()
