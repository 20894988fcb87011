import gzip
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.places import geocoding
from guichet.places.ban import PAUSED_KEY, BanUnavailable, ban_reverse, ban_search
from guichet.places.index import index_reverse, index_search
from guichet.places.loader import ban_file_load
from guichet.places.models import BanAddress
from guichet.places.place import distance_m
from tests.places.ban_server import CSV_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(settings):
    settings.GUICHET_BAN_CITYCODES = ["38998"]
    call_command("load_ban_addresses", str(CSV_PATH), stdout=StringIO())


# The offline index and its loading ---------------------------------------------------------------


def test_load_keeps_the_communes_codes_and_skips_broken_lines(settings):
    settings.GUICHET_BAN_CITYCODES = ["38998"]
    out = StringIO()
    call_command("load_ban_addresses", str(CSV_PATH), stdout=out)
    assert BanAddress.objects.count() == 309
    assert not BanAddress.objects.filter(citycode="38997").exists()
    assert "309 addresses loaded, 1 lines skipped" in out.getvalue()
    eleven = BanAddress.objects.get(ban_id="38998_0010_00011_bis")
    assert eleven.label == "11bis Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert eleven.street_search == "rue de l eglise"
    assert BanAddress.objects.get(ban_id="38998_0990_99999").housenumber == ""


def test_loading_twice_is_idempotent_and_updates(tmp_path):
    ban_file_load(CSV_PATH)
    assert BanAddress.objects.count() == 321
    changed = tmp_path / "adresses-38.csv.gz"
    text = CSV_PATH.read_text(encoding="utf-8").replace("Place du Marché", "Place du Grand Marché")
    with gzip.open(changed, "wt", encoding="utf-8") as handle:
        handle.write(text)
    report = ban_file_load(changed, batch_size=50)
    assert report.loaded == 321
    assert BanAddress.objects.count() == 321
    assert BanAddress.objects.filter(street="Place du Grand Marché").count() == 28
    assert not BanAddress.objects.filter(street="Place du Marché").exists()


def test_loading_is_batched(settings):
    settings.GUICHET_BAN_CITYCODES = []
    with CaptureQueriesContext(connection) as queries:
        ban_file_load(CSV_PATH, batch_size=100)
    inserts = [q for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]
    assert 4 <= len(inserts) <= 8  # 321 rows by 100 (SQLite's bound-parameter limit may halve a batch)


def test_a_file_that_is_not_a_ban_file_is_refused(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("load_ban_addresses", str(bad), stdout=StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_ban_addresses", str(tmp_path / "none.csv"), stdout=StringIO())


def test_index_autocompletion_ignores_case_and_accents(index):
    labels = [place.label for place in index_search("rue de l'EGLI")]
    assert labels and all("Rue de l'Église" in label for label in labels)
    assert all("Montval" not in label for label in labels)
    assert [p.label for p in index_search("12 rue de l eglise")] == ["12 Rue de l'Église 38560 Saint-Aubin-des-Prés"]
    assert [p.label for p in index_search("11 bis rue de l'église")][0].startswith("11bis Rue de l'Église")
    assert index_search("chataign")[0].street == "Allée des Châtaigniers"
    # a word inside the name when no street starts so
    assert index_search("victor hu")[0].street == "Rue Victor Hugo"
    assert index_search("xyzzy") == []
    assert index_search("ru") == []  # too short
    place = index_search("3 place du marche")[0]
    assert place.in_base and place.citycode == "38998" and place.postcode == "38560" and place.latitude


def test_index_reverse_finds_the_nearest_address(index):
    target = BanAddress.objects.get(ban_id="38998_0070_00005")  # 5 Impasse des Lilas
    place = index_reverse(target.latitude + 0.00001, target.longitude - 0.00001)
    assert place is not None and place.label.startswith("5 Impasse des Lilas")
    # far from any address of the commune, the box widens, then gives up
    assert index_reverse(45.0, 5.0) is None
    far = index_reverse(45.1885 + 0.004, 5.7245)  # about 450 m north of the church
    assert far is not None
    assert distance_m(45.1885 + 0.004, 5.7245, far.latitude, far.longitude) < 1600


# The API (through the local stand-in) --------------------------------------------------------------


def test_search_through_the_api_is_limited_to_the_communes_codes(ban_api):
    places = ban_search("rue de l'église 12")
    assert places[0].label == "12 Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert places[0].in_base and places[0].citycode == "38998" and places[0].housenumber == "12"
    assert all(place.citycode == "38998" for place in places)
    assert "citycode=38998" in ban_api.requests[0] and "autocomplete=1" in ban_api.requests[0]


def test_answers_are_cached(ban_api):
    ban_search("avenue jean")
    ban_search("avenue jean")
    assert len(ban_api.requests) == 1


def test_reverse_through_the_api(ban_api):
    place = ban_reverse(45.188650, 5.724500)
    assert place is not None and place.label == "1 Rue de l'Église 38560 Saint-Aubin-des-Prés"
    assert "/reverse/?lat=45.188650&lon=5.724500" in ban_api.requests[0]


@pytest.mark.parametrize("mode", ["error", "bad_json", "not_geojson", "slow"])
def test_api_failures_raise_unavailable(ban_api, mode):
    ban_api.mode = mode
    ban_api.delay = 1.0
    with pytest.raises(BanUnavailable):
        ban_search("avenue jean")


@pytest.mark.parametrize("mode", ["error", "bad_json", "slow", "down"])
def test_geocoding_falls_back_to_the_index_when_the_api_fails(ban_api, index, settings, mode):
    if mode == "down":
        ban_api.stop()
    else:
        ban_api.mode = mode
        ban_api.delay = 1.0
    places = geocoding.address_search("4 avenue jean jau")
    assert places[0].label == "4 Avenue Jean Jaurès 38560 Saint-Aubin-des-Prés"
    nearest = geocoding.address_reverse(places[0].latitude, places[0].longitude)
    assert nearest is not None and nearest.label == places[0].label


def test_a_failure_is_not_cached_but_pauses_the_api_for_everyone(ban_api, index, settings):
    ban_api.mode = "error"
    assert geocoding.address_search("avenue jean")[0].label.startswith("1 Avenue Jean")  # from the index
    ban_api.mode = "ok"
    # Within the pause nobody waits for the API again: the index answers at once.
    assert geocoding.address_search("avenue jean")[0].label.startswith("1 Avenue Jean")
    assert geocoding.address_reverse(45.188650, 5.724500) is not None
    assert len(ban_api.requests) == 1
    cache.delete(PAUSED_KEY)  # the pause is over
    geocoding.address_search("avenue jean")
    assert len(ban_api.requests) == 2


def test_features_not_shaped_as_documented_are_never_cached(ban_api, index, settings):
    settings.GUICHET_BAN_PAUSE_SECONDS = 0
    ban_api.mode = "not_geojson"  # features without their geometry
    with pytest.raises(BanUnavailable):
        ban_search("avenue jean")
    ban_api.mode = "ok"
    assert ban_search("avenue jean")[0].in_base
    assert len(ban_api.requests) == 2


def test_a_suggested_address_sent_back_by_the_form_is_known_without_asking_again(ban_api):
    suggested = geocoding.address_search("7 rue du mou")
    label = suggested[0].label
    assert label == "7 Rue du Moulin 38560 Saint-Aubin-des-Prés"
    asked = len(ban_api.requests)
    with CaptureQueriesContext(connection) as queries:
        chosen = geocoding.place_from_form(address=label.upper(), latitude=None, longitude=None)
    assert chosen is not None and chosen.in_base and chosen.citycode == "38998" and chosen.latitude
    assert len(ban_api.requests) == asked and len(queries) == 0


def test_place_from_form(ban_api):
    chosen = geocoding.place_from_form(
        address="7 Rue du Moulin 38560 Saint-Aubin-des-Prés", latitude=None, longitude=None
    )
    assert chosen is not None and chosen.in_base and chosen.citycode == "38998" and chosen.latitude
    free = geocoding.place_from_form(address="Derrière le lavoir, près du stade", latitude=None, longitude=None)
    assert free is not None and free.in_base is False and free.latitude is None
    assert free.label == "Derrière le lavoir, près du stade"
    pinned = geocoding.place_from_form(address="", latitude=45.188650, longitude=5.724500)
    assert pinned is not None and pinned.label.startswith("1 Rue de l'Église") and pinned.latitude == 45.188650
    assert geocoding.place_from_form(address="  ", latitude=None, longitude=None) is None


def test_the_committed_csv_is_small(tmp_path):
    assert 200 < len(Path(CSV_PATH).read_text(encoding="utf-8").splitlines()) < 500
    shutil.copy(CSV_PATH, tmp_path)
