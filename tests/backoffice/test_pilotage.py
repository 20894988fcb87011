"""The statistics page /agent/pilotage/: who may open it, its filters, and figures that are the layer's.

The tickets are the hand-computed May 2026 dataset of tests/statistics/conftest.py.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.backoffice.templatetags.pilotage import AXIS_LABEL_WIDTH, paired_columns, stacked_columns
from guichet.organisation.models import Role
from guichet.statistics.figures import Distribution
from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.metrics import ticket_backlog, ticket_stats_compared
from guichet.statistics.series import Step, durations_over_time, within_deadline_by_service
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.statistics.conftest import dataset  # noqa: F401 (the hand-computed tickets, a fixture)
from tests.statistics.timeline import change, paris

URL = reverse("backoffice:pilotage")
MAY = {"periode": "perso", "du": "2026-05-01", "au": "2026-05-31"}
MAY_FILTER = StatsFilter(period=Period(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31)))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def publish_all(settings):
    settings.GUICHET_STATS_MIN_CELL = 1


# Who may open it -----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_a_citizen_account_is_refused(client, citizen):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 403
    assert b"Pilotage" not in response.content


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MAIL_ROOM])
def test_reception_and_mail_room_are_refused_and_see_no_link(client, db, role):
    client.force_login(factories.AgentFactory(role=role).user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Accès réservé aux services et aux responsables" in response.content.decode()
    assert URL.encode() not in client.get(reverse("backoffice:inbox")).content


@pytest.mark.parametrize("persona", ["supervisor", "agent"])
def test_supervisors_and_service_agents_open_it_from_the_navigation(client, request, persona, commune):
    client.force_login(request.getfixturevalue(persona))
    assert f'href="{URL}"'.encode() in client.get(reverse("backoffice:inbox")).content
    response = client.get(URL)
    assert response.status_code == 200
    assert "Chiffres clés" in response.content.decode()


def test_an_administrator_opens_it(client, commune):
    client.force_login(factories.AgentFactory(role=Role.ADMINISTRATOR).user)
    assert client.get(URL).status_code == 200


# Filters -------------------------------------------------------------------------------------------


def test_a_service_agent_chooses_only_among_their_services(client, dataset, agent, other_service):  # noqa: F811
    client.force_login(agent)
    form = client.get(URL, MAY).context["form"]
    assert [s.name for s in form.fields["service"].queryset] == ["Voirie"]
    assert [t.name for t in form.fields["demarche"].queryset] == [dataset.request_type.name]
    assert agent in form.fields["agent"].queryset
    response = client.get(URL, {**MAY, "service": other_service.pk})
    assert response.status_code == 400
    assert "Filtres non valides" in response.content.decode()
    assert "key_figures" not in response.context
    response = client.get(URL, {**MAY, "demarche": dataset.other_type.pk})
    assert response.status_code == 400


def test_a_supervisor_chooses_among_every_service(client, dataset, supervisor):  # noqa: F811
    client.force_login(supervisor)
    form = client.get(URL, MAY).context["form"]
    assert {s.name for s in form.fields["service"].queryset} == {"Voirie", "État civil"}


def test_filters_narrow_the_figures(client, dataset, supervisor, other_service, agent, publish_all):  # noqa: F811
    client.force_login(supervisor)

    def volume(**params) -> str:
        return client.get(URL, {**MAY, **params}).context["key_figures"][0].value

    assert volume() == "9"
    assert volume(service=other_service.pk) == "1"
    assert volume(canal=Channel.EMAIL) == "1"
    assert volume(demarche=dataset.request_type.pk) == "8"
    assert volume(agent=agent.pk) == "0"  # nobody was assigned


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"periode": "perso", "du": "2026-05-01"}, "Indiquez les deux dates"),
        ({"periode": "perso", "du": "2026-05-31", "au": "2026-05-01"}, "La date de fin précède"),
        ({"periode": "perso", "du": "0001-01-01", "au": "9999-12-31"}, "hors des limites"),
        ({"periode": "perso", "du": "1990-01-01", "au": "2026-05-01"}, "dix ans au plus"),
        ({"periode": "siecle"}, "Sélectionnez un choix valide"),
        ({"periode": "perso", "du": "pas une date", "au": "2026-05-01"}, "Saisissez une date valide"),
    ],
)
def test_a_wrong_period_is_refused_in_french_keeping_what_was_typed(client, supervisor, commune, params, message):
    client.force_login(supervisor)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    if "du" in params:
        assert f'value="{params["du"]}"' in response.content.decode()


def test_the_presets_pick_their_period(client, supervisor, commune):
    client.force_login(supervisor)
    period = client.get(URL, {"periode": "30j"}).context["filters"].period
    assert period.days == 30
    assert client.get(URL).context["filters"].period.days in (365, 366)  # 12 months by default


@pytest.mark.parametrize("params", [{}, {"canal": "web"}])
def test_the_period_select_shows_the_period_the_figures_are_for(client, supervisor, commune, params):
    """With no period chosen, the figures are for 12 months: the select must not show another one."""
    client.force_login(supervisor)
    html = client.get(URL, params).content.decode()
    select = html[html.index('name="periode"') : html.index("</select>", html.index('name="periode"'))]
    first_option = select[select.index("<option") : select.index("</option>")]
    assert "12 derniers mois" in first_option


# Figures -------------------------------------------------------------------------------------------


def test_key_figures_are_the_layers(client, dataset, agent, publish_all):  # noqa: F811
    client.force_login(agent)
    response = client.get(URL, MAY)
    figures = {figure.label: figure for figure in response.context["key_figures"]}
    layer = ticket_stats_compared(user=agent, filters=MAY_FILTER)
    backlog = ticket_backlog(user=agent, filters=MAY_FILTER)
    assert figures["Demandes reçues"].value == str(layer.current.volume.total) == "8"
    assert figures["Demandes reçues"].previous == str(layer.previous.volume.total) == "1"
    assert figures["Demandes reçues"].change == "+700 %"
    first = layer.current.first_response.working_days
    assert figures["Première réponse, médiane"].value == f"{first.median} jour ouvré" == "1 jour ouvré"
    assert figures["Première réponse, 9 sur 10 en"].value == f"{first.p90} jours ouvrés" == "11 jours ouvrés"
    resolution = layer.current.resolution.working_days
    assert figures["Résolution, médiane"].value == f"{resolution.median} jours ouvrés"
    assert figures["Répondues dans le délai"].value == f"{layer.current.within_deadline.percent:.0f} %" == "80 %"
    assert figures["Taux de réouverture"].value == "20 %"
    assert figures["En cours (stock)"].value == str(backlog.open)
    assert figures["En retard"].value == str(backlog.overdue)
    assert figures["En attente de l’usager"].value == f"{backlog.awaiting_citizen.percent:.0f} %"


def test_the_charts_tables_are_the_layers(client, dataset, supervisor, publish_all):  # noqa: F811
    client.force_login(supervisor)
    response = client.get(URL, MAY)
    steps = durations_over_time(user=supervisor, filters=MAY_FILTER, step=Step.WEEK)
    rows = response.context["duration_rows"]
    assert [row["first_response"] for row in rows] == [step.first_response for step in steps]
    assert [row["resolution"] for row in rows] == [step.resolution for step in steps]
    assert response.context["deadline_rows"] == within_deadline_by_service(user=supervisor, filters=MAY_FILTER)
    assert [row["total"] for row in response.context["volume_rows"]] == [0, 6, 1, 1, 1]
    text = text_of(response)
    assert "Voirie 80 % 5" in text
    assert "État civil 100 % 1" in text
    assert "sem. du 4 mai 4 1 1 6" in text  # web, phone and email, then the total
    assert response.content.count(b"<svg") == 4
    assert 'style="' not in response.content.decode().split("<main", 1)[1]  # the CSP forbids it


def test_small_cells_show_a_dash_and_their_size_never_a_percentage(client, dataset, supervisor):  # noqa: F811
    client.force_login(supervisor)
    response = client.get(URL, MAY)  # GUICHET_STATS_MIN_CELL is 10: every cell of May is too small
    text = text_of(response)
    assert "Voirie — 5" in text
    assert "État civil — 1" in text
    assert "Répondues dans le délai — (6 demandes)" in text
    assert re.findall(r"\d+ %", text) == ["800 %"]  # the volume's change only, no rate
    figures = {figure.label: figure for figure in response.context["key_figures"]}
    assert figures["Résolution, médiane"].value is None
    assert figures["Résolution, médiane"].n == 6
    assert figures["Demandes reçues"].value == "9"  # a count is not a rate: always shown


def test_the_number_of_queries_does_not_grow_with_the_tickets(client, dataset, agent, django_assert_max_num_queries):  # noqa: F811
    client.force_login(agent)
    client.get(URL, MAY)  # the commune's calendar, cached
    with CaptureQueriesContext(connection) as before:
        client.get(URL, MAY)
    for day in (12, 13, 18, 19, 20):
        ticket = factories.make_ticket(request_type=dataset.request_type, citizen=None, received_at=paris(5, day))
        change(ticket, agent, paris(5, 21), Status.ANSWERED)
    # Two reports of 12, the backlog, 4 for the charts, the form's choices, the session and the agent; the
    # closing outcomes (1) and the satisfaction answers (5: overall, by service, type, channel and agent).
    with django_assert_max_num_queries(42):
        response = client.get(URL, MAY)
    with CaptureQueriesContext(connection) as after:
        client.get(URL, MAY)
    assert response.context["key_figures"][0].value == "13"
    assert len(after) == len(before)


# Charts --------------------------------------------------------------------------------------------


def test_a_step_with_too_few_requests_gets_a_dash_and_no_bar(settings):
    settings.GUICHET_STATS_MIN_CELL = 2
    rows = [
        {"label": "sem. du 4 mai", "short": "4 mai", "d": Distribution(n=3, median=1, p90=4)},
        {"label": "sem. du 11 mai", "short": "11 mai", "d": Distribution(n=1, median=9, p90=9)},
    ]
    chart = paired_columns(rows, "d")
    assert [bar.title for bar in chart.bars] == ["sem. du 4 mai — médiane : 1", "sem. du 4 mai — 9 sur 10 : 4"]
    assert "—" in [label.text for label in chart.labels]
    assert max(bar.height for bar in chart.bars) == pytest.approx(208 * 4 / 5)  # p90 4 on an axis up to 5


def test_axis_labels_are_thinned_so_that_they_never_overlap():
    rows = [{"label": f"s{i}", "short": f"{i} mai", "counts": [i], "total": i} for i in range(53)]
    chart = stacked_columns(rows, [("web", "Formulaire en ligne")])
    axis = sorted(label.x for label in chart.labels if label.text.endswith("mai"))
    assert len(axis) < 53
    assert all(b - a >= AXIS_LABEL_WIDTH for a, b in zip(axis, axis[1:], strict=False))
    assert len(chart.bars) == 52  # the empty step has no bar
