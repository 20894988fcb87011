"""/api/v1/stats/: the statistics layer's figures, for the key's agent, with the layer's filters."""

import datetime

import pytest

from guichet.accounts.models import User
from guichet.api.models import Scope
from guichet.statistics.filters import Period, StatsFilter
from guichet.statistics.metrics import Report, ticket_backlog, ticket_stats
from guichet.tickets import services
from guichet.tickets.lifecycle import Channel
from tests.statistics.conftest import dataset  # noqa: F401 (the hand-computed dataset, reused)
from tests.statistics.timeline import at, paris

URL = "/api/v1/stats/"
MAY = Period(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31))
IN_MAY = {"start": "2026-05-01", "end": "2026-05-31"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def stats_as(api_as):
    def make(user, scopes=(Scope.STATS_READ,)):
        return api_as(user, list(scopes))

    return make


def _distribution(json: dict, expected) -> None:
    assert (json["n"], json["median"], json["p90"], json["publishable"]) == (
        expected.n,
        expected.median,
        expected.p90,
        expected.publishable,
    )
    assert json["buckets"] == expected.buckets


def _share(json: dict, expected) -> None:
    assert (json["count"], json["n"], json["percent"], json["publishable"]) == (
        expected.count,
        expected.n,
        expected.percent,
        expected.publishable,
    )


def assert_report_equal(json: dict, report: Report) -> None:
    assert json["period"] == {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()}
    volume = report.volume
    assert json["volume"]["total"] == volume.total
    for series in ("by_day", "by_week", "by_month"):
        assert json["volume"][series] == [{"date": d.isoformat(), "count": n} for d, n in getattr(volume, series)]
    assert json["volume"]["by_channel"] == volume.by_channel
    assert json["volume"]["by_status"] == volume.by_status
    assert [(row["name"], row["count"]) for row in json["volume"]["by_service"]] == [
        (name, n) for _pk, name, n in volume.by_service
    ]
    assert [(row["name"], row["count"]) for row in json["volume"]["by_request_type"]] == [
        (name, n) for _pk, name, n in volume.by_request_type
    ]
    for durations in ("first_response", "resolution"):
        for unit in ("working_days", "hours"):
            _distribution(json[durations][unit], getattr(getattr(report, durations), unit))
    _share(json["within_deadline"], report.within_deadline)
    _share(json["reopened"], report.reopened)


def test_the_figures_are_the_layers_for_the_same_filters(stats_as, dataset, supervisor, settings):  # noqa: F811
    settings.GUICHET_STATS_MIN_CELL = 3
    response = stats_as(supervisor).get(URL, IN_MAY)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert_report_equal(body, ticket_stats(user=supervisor, filters=StatsFilter(period=MAY)))
    # The hand-computed values (tests/statistics): 9 received in May, first response median 1 working day.
    assert body["volume"]["total"] == 9
    assert body["first_response"]["working_days"]["median"] == 1
    assert {row["slug"] for row in body["volume"]["by_service"]} == {"voirie", "etat-civil"}
    backlog = ticket_backlog(user=supervisor, filters=StatsFilter(period=MAY))
    assert body["backlog"]["open"] == backlog.open == 4  # D (reopened), E, J, K
    assert (body["backlog"]["by_age"], body["backlog"]["overdue"]) == (backlog.by_age, backlog.overdue)
    _share(body["backlog"]["awaiting_citizen"], backlog.awaiting_citizen)
    assert "previous" not in body


def test_every_filter_narrows_like_the_layer(stats_as, dataset, supervisor, agent):  # noqa: F811
    with at(paris(5, 20)):
        services.ticket_assign(ticket=dataset.a, assignee=agent, actor=supervisor)
    client = stats_as(supervisor)
    cases = [
        ({"service": "voirie"}, {"service": dataset.request_type.service}),
        ({"request_type": dataset.other_type.slug}, {"request_type": dataset.other_type}),
        ({"channel": Channel.EMAIL}, {"channel": Channel.EMAIL}),
        ({"agent": agent.username}, {"assignee": agent}),
    ]
    for params, dimensions in cases:
        body = client.get(URL, {**IN_MAY, **params}).json()
        assert_report_equal(body, ticket_stats(user=supervisor, filters=StatsFilter(period=MAY, **dimensions)))
    assert client.get(URL, {**IN_MAY, "agent": agent.username}).json()["volume"]["total"] == 1


def test_compare_adds_the_previous_period(stats_as, dataset, supervisor):  # noqa: F811
    body = stats_as(supervisor).get(URL, {**IN_MAY, "compare": "true"}).json()
    assert_report_equal(body["previous"], ticket_stats(user=supervisor, filters=StatsFilter(period=MAY.previous())))
    assert body["previous"]["volume"]["total"] == 1  # I, received on 1 April


def test_a_preset_period(stats_as, dataset, supervisor):  # noqa: F811
    body = stats_as(supervisor).get(URL, {"period": "12m"}).json()
    today = datetime.date.fromisoformat(body["period"]["end"])
    assert (today - datetime.date.fromisoformat(body["period"]["start"])).days in (364, 365)


def test_small_samples_carry_n_and_are_not_publishable(stats_as, dataset, supervisor):  # noqa: F811
    body = stats_as(supervisor).get(URL, IN_MAY).json()
    assert body["within_deadline"]["n"] == 6 and body["within_deadline"]["publishable"] is False
    assert body["first_response"]["working_days"]["publishable"] is False


def test_an_agent_of_another_service_gets_only_their_services_figures(stats_as, dataset, other_agent):  # noqa: F811
    body = stats_as(other_agent).get(URL, IN_MAY).json()
    assert_report_equal(body, ticket_stats(user=other_agent, filters=StatsFilter(period=MAY)))
    assert "voirie" not in {row["slug"] for row in body["volume"]["by_service"]}
    # Naming a service they do not work for narrows further; it never widens.
    body = stats_as(other_agent).get(URL, {**IN_MAY, "service": "voirie"}).json()
    assert body["volume"]["total"] == 0 and body["backlog"]["open"] == 0


def test_refusals(client, stats_as, api_as, agent):
    response = client.get(URL)
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    response = api_as(agent, [Scope.TICKETS_READ, Scope.CATALOGUE_READ]).get(URL)
    assert response.status_code == 403 and response.json()["code"] == "missing_scope"
    not_an_agent = User.objects.create_user(username="habitant", password=None)
    response = stats_as(not_an_agent).get(URL)
    assert response.status_code == 403 and response.json()["code"] == "not_an_agent"
    assert stats_as(agent).post(URL, {}).status_code == 405


def test_an_agents_session_reads_the_stats(client, agent):
    client.force_login(agent)
    assert client.get(URL).status_code == 200


def test_invalid_filters_are_400_with_french_messages(stats_as, agent):
    client = stats_as(agent)
    cases = [
        ({"period": "perso"}, "start"),
        ({"start": "2026-05-31", "end": "2026-05-01"}, "end"),
        ({"service": "inconnu"}, "service"),
        ({"request_type": "inconnue"}, "request_type"),
        ({"agent": "personne"}, "agent"),
        ({"channel": "pigeon"}, "channel"),
        ({"period": "siecle"}, "period"),
        ({"start": "0001-01-01", "end": "2026-01-01"}, "start"),
    ]
    for params, field in cases:
        response = client.get(URL, params)
        assert response.status_code == 400, (params, response.json())
        assert field in response.json()["fields"], (params, response.json())
