import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from guichet.api.models import Scope
from guichet.exports.open_data import SCHEMA, default_period
from guichet.organisation.models import Role
from guichet.tickets.lifecycle import Channel, Status
from tests import factories
from tests.api.rest.conftest import client_with_key, key_for
from tests.statistics.timeline import change, paris, received

pytestmark = pytest.mark.django_db


def run(tmp_path, *args) -> tuple[list[dict[str, str]], str, bytes]:
    path = tmp_path / "demandes.csv"
    out = io.StringIO()
    call_command("export_open_data", str(path), *args, stdout=out)
    raw = path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8")))), out.getvalue(), raw


@pytest.fixture
def may(settings, commune, request_type, agent, citizen):
    """Three web requests in May (one answered), one by phone; a cell needs 3 requests."""
    settings.GUICHET_STATS_MIN_CELL = 3
    web = [received(request_type, paris(5, day, 23, 30)) for day in (4, 5, 6)]
    web[0].citizen = citizen
    web[0].save(update_fields=["citizen"])
    change(web[0], agent, paris(5, 6), Status.ANSWERED)
    phone = received(request_type, paris(5, 7), channel=Channel.PHONE)
    return web, phone


def test_the_open_data_file_follows_its_schema_without_personal_data(tmp_path, may, citizen):
    rows, out, raw = run(tmp_path, "--debut", "2026-05-01", "--fin", "2026-05-31")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert tuple(rows[0].keys()) == SCHEMA
    assert [row["date_reception"] for row in rows] == ["2026-05-04", "2026-05-05", "2026-05-06"]  # local days
    first = rows[0]
    assert first["canal"] == "web" and first["statut"] == "answered"
    assert (first["date_premiere_reponse"], first["date_resolution"]) == ("2026-05-06", "2026-05-06")
    assert (first["delai_resolution_jours_ouvres"], first["resolue_dans_le_delai"]) == ("2", "oui")
    assert rows[1]["date_resolution"] == "" and rows[1]["resolue_dans_le_delai"] == ""
    text = raw.decode()
    for personal in (citizen.last_name, citizen.email, may[0][0].reference, "Trou profond"):  # nor free text
        assert personal not in text
    assert "3 demande(s)" in out and "1 masquée(s)" in out


def test_a_small_cell_is_left_out(tmp_path, may, settings):
    settings.GUICHET_STATS_MIN_CELL = 4
    rows, out, _raw = run(tmp_path, "--debut", "2026-05-01", "--fin", "2026-05-31")
    assert rows == [] and "4 masquée(s)" in out
    settings.GUICHET_STATS_MIN_CELL = 1
    rows, _out, _raw = run(tmp_path, "--debut", "2026-05-01", "--fin", "2026-05-31")
    assert [row["canal"] for row in rows] == ["web", "web", "web", "phone"]


def test_the_period_bounds_are_checked(tmp_path, may):
    with pytest.raises(CommandError):
        run(tmp_path, "--debut", "2026-05-01")
    with pytest.raises(CommandError):
        run(tmp_path, "--debut", "2026-05-31", "--fin", "2026-05-01")
    assert not (tmp_path / "demandes.csv").exists()


def test_the_default_period_is_the_last_twelve_whole_months():
    period = default_period(datetime.date(2026, 12, 5))
    assert (period.start, period.end) == (datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    period = default_period(datetime.date(2026, 1, 31))
    assert (period.start, period.end) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


# The REST API serves the same file ------------------------------------------------------------------------

OPEN_DATA_URL = "/api/v1/open-data/requests/"


def api_get(user, scopes=(Scope.STATS_READ,), **query):
    return client_with_key(key_for(user, list(scopes))).get(OPEN_DATA_URL, query)


def test_the_api_streams_the_same_bytes_as_the_command(tmp_path, may, agent):
    _rows, _out, raw = run(tmp_path, "--debut", "2026-05-01", "--fin", "2026-05-31")
    response = api_get(agent, start="2026-05-01", end="2026-05-31")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="demandes-2026-05-01-2026-05-31.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == raw


def test_the_api_file_is_the_communes_whatever_the_callers_services(tmp_path, may, request_type):
    elsewhere = factories.AgentFactory(role=Role.SERVICE_AGENT).user  # sees none of these tickets in the inbox
    assert request_type.service_id not in elsewhere.agent.service_ids
    _rows, _out, raw = run(tmp_path, "--debut", "2026-05-01", "--fin", "2026-05-31")
    assert b"".join(api_get(elsewhere, start="2026-05-01", end="2026-05-31").streaming_content) == raw


def test_the_api_defaults_to_the_last_twelve_whole_months(may, agent):
    period = default_period(timezone.localdate())
    response = api_get(agent)
    assert f'filename="demandes-{period.start}-{period.end}.csv"' in response["Content-Disposition"]


def test_the_api_refuses_what_it_must(may, agent):
    assert APIClient().get(OPEN_DATA_URL).status_code == 401
    assert api_get(agent, scopes=(Scope.TICKETS_READ,)).status_code == 403
    half = api_get(agent, start="2026-05-01")
    assert half.status_code == 400 and "ensemble" in str(half.json())
    backwards = api_get(agent, start="2026-05-31", end="2026-05-01")
    assert backwards.status_code == 400 and "précède" in str(backwards.json())
    assert api_get(agent, start="2026-02-30", end="2026-05-01").status_code == 400
