import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guichet.exports import services
from guichet.exports.models import Export, ExportFormat, ExportStatus
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.exports.conftest import content, csv_rows, export

pytestmark = pytest.mark.django_db

HEADER = [
    "Numéro",
    "Reçue le",
    "Statut",
    "Canal",
    "Service",
    "Démarche",
    "Agent en charge",
    "Échéance",
    "En retard",
    "Première réponse le",
    "Délai de traitement (jours ouvrés)",
]
ANSWERED = "statut=answered&statut=closed&statut=rejected&vue=toutes"


def test_csv_carries_a_byte_order_mark_the_columns_and_the_metrics_durations(client, supervisor, dataset):
    client.force_login(supervisor)
    response = export(client, ANSWERED + "&tri=anciennes")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="demandes-')
    rows = csv_rows(response)
    assert rows[0] == HEADER
    by_reference = {row[0]: row for row in rows[1:]}
    a = by_reference[dataset.a.reference_display]
    assert a[1:7] == ["2026-05-04 09:00", "Répondue", "Formulaire en ligne", "Voirie", dataset.request_type.name, ""]
    assert a[7:] == [dataset.a.due_date.isoformat(), "non", "2026-05-05", "2"]
    assert by_reference[dataset.c.reference_display][9:] == ["2026-05-12", "2"]  # the wait is left out
    assert by_reference[dataset.g.reference_display][2:][0] == "Sans suite"
    assert by_reference[dataset.g.reference_display][9:] == ["2026-05-07", ""]  # a response, no resolution
    assert len(rows) - 1 == 7  # A B C D F G H (answered, closed or rejected, every service)


def test_the_semicolon_separator_on_request(client, supervisor, dataset):
    client.force_login(supervisor)
    rows = csv_rows(export(client, ANSWERED, point_virgule="on"), separator=";")
    assert rows[0] == HEADER and len(rows) == 8


@pytest.mark.parametrize(
    "query",
    [
        "",
        "vue=en-retard",
        "vue=toutes&statut=answered",
        "vue=toutes&canal=email&statut=rejected",
        "vue=toutes&statut=answered&tri=recentes&du=2026-05-05",
        "vue=mes-demandes",
        "vue=toutes&q=naissance&statut=answered",
    ],
)
def test_the_export_lists_exactly_what_the_inbox_lists(client, supervisor, dataset, query):
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:inbox") + "?" + query)
    listed = [ticket.reference_display for ticket in page.context["page"].object_list]
    exported = [row[0] for row in csv_rows(export(client, query))[1:]]
    assert exported == listed


def test_an_agent_exports_only_the_tickets_of_their_services(client, other_agent, dataset):
    client.force_login(other_agent)
    exported = {row[0] for row in csv_rows(export(client, ANSWERED))[1:]}
    assert exported == {dataset.h.reference_display}


def test_citizen_columns_only_when_asked(client, agent, request_type, citizen):
    factories.make_ticket(request_type=request_type, citizen=citizen)
    client.force_login(agent)
    without = content(export(client)).decode()
    assert citizen.email not in without and citizen.last_name not in without
    rows = csv_rows(export(client, usagers="on"))
    assert rows[0][-4:] == ["Nom", "Prénom", "Courriel", "Téléphone"]
    assert rows[1][-4:] == ["Lefèvre", "Hélène", "helene.lefevre@example.org", "'+33612345678"]


def test_citizen_columns_are_refused_to_the_front_desk(client, reception, request_type, citizen):
    factories.make_ticket(request_type=request_type, citizen=citizen)
    client.force_login(reception)
    response = export(client, "vue=toutes", usagers="on")
    assert response.status_code == 403
    assert "Vous ne pouvez pas exporter les coordonnées des usagers." in response.content.decode()
    assert not Export.objects.exists()
    assert csv_rows(export(client, "vue=toutes"))[1][0]  # without them, the export is allowed


def test_an_agent_of_another_service_gets_no_citizen_of_that_service(client, other_agent, request_type, citizen):
    factories.make_ticket(request_type=request_type, citizen=citizen)
    client.force_login(other_agent)
    response = export(client, f"service={request_type.service.pk}", usagers="on")
    assert citizen.email not in content(response).decode()
    assert len(csv_rows(export(client, f"service={request_type.service.pk}", usagers="on"))) == 1


def test_a_spreadsheet_formula_in_a_name_stays_text(client, agent, request_type):
    person = factories.CitizenFactory(last_name='=HYPERLINK("http://evil.test")', first_name="+1")
    factories.make_ticket(request_type=request_type, citizen=person)
    client.force_login(agent)
    row = csv_rows(export(client, usagers="on"))[1]
    assert row[-4:-2] == ['\'=HYPERLINK("http://evil.test")', "'+1"]


def test_every_export_is_an_audit_record(client, agent, request_type):
    factories.make_ticket(request_type=request_type, citizen=None)
    client.force_login(agent)
    content(export(client, "vue=mon-service&canal=web&page=2", format="xlsx"))
    record = Export.objects.get()
    assert record.requested_by == agent
    assert record.source == "inbox"
    assert record.filters == {"vue": ["mon-service"], "canal": ["web"]}
    assert (record.format, record.row_count, record.with_citizen) == (ExportFormat.XLSX, 1, False)
    assert record.status == ExportStatus.STREAMED


def test_the_number_of_queries_does_not_grow_with_the_rows(client, supervisor, request_type, citizen):
    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(export(client, "vue=toutes", usagers="on"))
        return len(captured), len(rows) - 1

    client.force_login(supervisor)
    factories.make_ticket(request_type=request_type, citizen=citizen)
    few = queries_for_export()
    for _ in range(12):
        factories.make_ticket(request_type=request_type, citizen=citizen, channel=Channel.PHONE)
    many = queries_for_export()
    assert (few[1], many[1]) == (1, 13)
    assert few[0] == many[0]


def test_overdue_column(client, agent, request_type):
    late = factories.raw_ticket(request_type=request_type, due_date=timezone.localdate() - datetime.timedelta(1))
    factories.raw_ticket(request_type=request_type, status=Status.IN_PROGRESS)
    client.force_login(agent)
    rows = {row[0]: row[8] for row in csv_rows(export(client))[1:]}
    assert rows[late.reference_display] == "oui" and sorted(rows.values()) == ["non", "oui"]


def test_the_export_needs_a_signed_in_agent_and_a_post(client, citizen):
    response = export(client)
    assert response.status_code == 302 and "/agent/connexion/" in response["Location"]
    client.force_login(factories.UserFactory())
    assert export(client).status_code == 403
    assert not Export.objects.exists()


def test_a_get_is_refused(client, agent):
    client.force_login(agent)
    assert client.get(reverse("backoffice:export_inbox")).status_code == 405


def test_an_unknown_format_goes_back_to_the_inbox_with_a_message(client, agent):
    client.force_login(agent)
    response = export(client, "vue=toutes", format="pdf")
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:inbox") + "?vue=toutes"
    assert not Export.objects.exists()


def test_the_inbox_offers_the_export_of_its_current_filters(client, agent, request_type):
    factories.make_ticket(request_type=request_type, citizen=None)
    client.force_login(agent)
    page = client.get(reverse("backoffice:inbox"), {"canal": "web"}).content.decode()
    assert f'action="{reverse("backoffice:export_inbox")}?canal=web"' in page


def test_the_citizen_columns_are_offered_only_to_who_may_have_them(client, agent, reception, request_type):
    factories.make_ticket(request_type=request_type, citizen=None)
    client.force_login(agent)
    assert 'name="usagers"' in client.get(reverse("backoffice:inbox")).content.decode()
    client.force_login(reception)
    page = client.get(reverse("backoffice:inbox"), {"vue": "toutes"}).content.decode()
    assert 'name="format"' in page and 'name="usagers"' not in page


def test_the_audit_counts_the_rows_actually_written(agent, request_type):
    factories.make_ticket(request_type=request_type, citizen=None)
    record = services.export_request(user=agent, source="inbox", filters={}, format="csv")
    factories.make_ticket(request_type=request_type, citizen=None)  # arrives before the stream is read
    assert b"".join(services.export_csv_chunks(record)).count(b"\r\n") == 3
    record.refresh_from_db()
    assert record.row_count == 2
