"""/resultats/: the public quality results read the statistics layer, hide small cells and are cached."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.catalogue.models import RequestType
from guichet.statistics.filters import Period, Preset, StatsFilter
from guichet.statistics.metrics import ticket_stats
from guichet.statistics.public import public_results
from guichet.tickets.lifecycle import Status
from tests import factories
from tests.conftest import build_facts
from tests.statistics.conftest import dataset  # noqa: F401 (the hand-computed dataset, reused)
from tests.statistics.timeline import at, change, paris, received

TODAY = datetime.date(2026, 5, 31)
URL = "/resultats/"


def get_page(client, **headers):
    with at(paris(5, 31, 12)):
        return client.get(URL, **headers)


def test_url_name():
    assert reverse("portal:results") == URL


def test_each_cell_is_the_layers_figure_for_that_service_and_type(dataset, supervisor):  # noqa: F811
    results = public_results(today=TODAY)
    period = Period.from_preset(Preset.LAST_12_MONTHS, today=TODAY)
    assert results.period == period == Period(start=datetime.date(2025, 6, 1), end=TODAY)
    # Ordered by name in the database's collation (which differs between SQLite and PostgreSQL).
    assert {service.name for service in results.services} == {"État civil", "Voirie"}
    for public in results.services:
        for row in public.request_types:
            request_type = RequestType.objects.get(name=row.name)
            report = ticket_stats(
                user=supervisor,
                filters=StatsFilter(period=period, service=request_type.service, request_type=request_type),
            )
            assert row.cell.received == report.volume.total
            assert row.cell.first_response == report.first_response.working_days
            assert row.cell.within_deadline == report.within_deadline
    voirie = next(service for service in results.services if service.name == "Voirie").request_types[0].cell
    # A B C D F G I J responded (E not yet; K still open): 1 1 1 11 2 1 1 1 → median 1, p90 11.
    assert (voirie.received, voirie.first_response.n) == (10, 8)
    assert (voirie.first_response.median, voirie.first_response.p90) == (1, 11)
    # Resolved A B C D F I, D one day late.
    assert (voirie.within_deadline.count, voirie.within_deadline.n) == (5, 6)


def test_the_number_of_queries_does_not_grow_with_the_tickets(dataset, agent):  # noqa: F811
    with CaptureQueriesContext(connection) as before:
        public_results(today=TODAY)
    for day in range(4, 9):
        ticket = received(dataset.request_type, paris(5, day, 14))
        change(ticket, agent, paris(5, day + 3, 11), Status.ANSWERED)
    with CaptureQueriesContext(connection) as after:
        assert public_results(today=TODAY).services
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_withdrawn_request_type_and_an_inactive_service_are_not_reported(dataset):  # noqa: F811
    dataset.other_type.is_active = False
    dataset.other_type.save()
    results = public_results(today=TODAY)
    assert [service.name for service in results.services] == ["Voirie"]
    dataset.request_type.service.is_active = False
    dataset.request_type.service.save()
    assert public_results(today=TODAY).services == []


def test_small_cells_are_withheld_never_shown_as_a_percentage(client, dataset):  # noqa: F811
    page = get_page(client).text
    # 8 first responses and 6 resolutions in Voirie, 1 in État civil: all under the default 10.
    assert page.count("moins de 10 demandes : résultat non publié") == 8
    assert "%" not in page.split('class="results"')[1]
    assert "La moitié des demandes" not in page


def test_publishable_cells_read_as_plain_sentences(client, dataset, settings):  # noqa: F811
    settings.GUICHET_STATS_MIN_CELL = 6
    page = get_page(client).text
    assert (
        "La moitié des demandes ont reçu une réponse en moins de 1 jour ouvré, 9 sur 10 en moins de 11 jours ouvrés."
        in page
    )
    assert "83,3 % sur 6 demandes traitées" in page
    # État civil (one ticket) stays withheld, with the threshold now in force.
    assert page.count("moins de 6 demandes : résultat non publié") == 4
    assert "<caption>Résultats du service Voirie sur les 12 derniers mois</caption>" in page
    assert '<th scope="row">Ensemble du service</th>' in page


def test_the_page_shows_no_personal_data(client, dataset, agent):  # noqa: F811
    citizen_ticket = factories.make_ticket(request_type=dataset.request_type, citizen=factories.CitizenFactory())
    page = get_page(client).text
    for private in (agent.username, agent.get_full_name(), citizen_ticket.citizen.last_name, citizen_ticket.reference):
        assert private not in page


def test_the_figures_are_cached_per_language_and_refreshed_after_the_lifetime(client, dataset):  # noqa: F811
    first = get_page(client).text
    assert '<td data-label="Demandes reçues">10</td>' in first
    with at(paris(5, 31, 10)):
        factories.make_ticket(request_type=dataset.request_type, citizen=None)
    build_facts()
    assert '<td data-label="Demandes reçues">10</td>' in get_page(client).text  # from the cache
    english = get_page(client, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Our results" in english and 'data-label="Requests received">11</td>' in english
    cache.clear()  # what the lifetime (GUICHET_PUBLIC_RESULTS_CACHE_SECONDS) does
    assert '<td data-label="Demandes reçues">11</td>' in get_page(client).text


def test_an_empty_town_hall_says_so(client, db):
    response = get_page(client)
    assert response.status_code == 200
    assert "Aucun service n'a encore de résultats à publier." in response.text


def test_only_get_is_allowed(client, db):
    assert client.post(URL).status_code == 405


def test_the_portal_footer_links_to_the_results(client, db):
    assert f'href="{URL}"' in client.get("/").text
