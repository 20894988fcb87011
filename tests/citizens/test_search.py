"""Search-as-you-type in the directory: names, phones in any format, emails, addresses; best first."""

import pytest
from django.db import connection

from guichet.citizens.selectors import citizens_search, parse_query
from tests.citizens.conftest import make_citizen

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram matching is PostgreSQL's")


@pytest.fixture
def directory(helene):
    return {
        "helene": helene,
        "paul": make_citizen("Martin", "Paul", email="pmartin@example.net", phone="02 38 12 34 56", city="Olivet"),
        "martine": make_citizen("Dupont", "Martine", email="martine.d@example.com", phone="07 81 22 33 44"),
        "jean": make_citizen("Saint-Martin", "Jean", email="jsm@example.org"),
        "lucas": make_citizen("Martinez", "Lucas"),
        "odile": make_citizen("Aubert", "Odile", street="3 rue Dupont", postcode="45100", city="Orléans"),
    }


def names(query: str, **kwargs) -> list[str]:
    return [citizen.full_name for citizen in citizens_search(query=query, **kwargs)]


@pytest.mark.parametrize("query", ["helene", "Hélène", "HELENE", "lefevre", "Lefèvre", "lef", "hélène lefèvre"])
def test_names_match_whatever_the_accents_and_case(directory, query):
    assert names(query) == ["Hélène Lefèvre"]


@pytest.mark.parametrize(
    "query",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "+33612345678",
        "+33 6 12 34 56 78",
        "0033 6 12 34 56 78",
        "06 12 34",
        "061234",
        "12 34 56 78",
        "+33 6 12",
    ],
)
def test_phone_numbers_match_in_any_format_even_partial(directory, query):
    assert names(query) == ["Hélène Lefèvre"]


@pytest.mark.parametrize("query", ["helene.lefevre@example.org", "Helene.Lefevre@Example.org", "helene.lef"])
def test_emails_match_whole_or_partial(directory, query):
    assert names(query) == ["Hélène Lefèvre"]


@pytest.mark.parametrize("query", ["45000", "orleans 12 rue", "République"])
def test_addresses_match(directory, query):
    assert names(query) == ["Hélène Lefèvre"]


def test_words_match_in_any_order(directory):
    assert names("paul martin") == names("martin paul") == ["Paul Martin"]


def test_names_starting_with_the_query_come_first_last_names_before_other_words(directory):
    found = names("martin")
    assert found[:2] == ["Paul Martin", "Lucas Martinez"]  # last name starts with it, the closest first
    assert set(found[2:]) == {"Martine Dupont", "Jean Saint-Martin"}  # another word of the name does


def test_a_name_comes_before_a_street_of_the_same_name(directory):
    assert names("dupont") == ["Martine Dupont", "Odile Aubert"]


def test_exact_email_or_phone_comes_first(directory):
    make_citizen("Aaron", "Marie", email="marie.helene.lefevre@example.org.uk")
    assert names("helene.lefevre@example.org") == ["Hélène Lefèvre", "Marie Aaron"]
    make_citizen("Abel", "Zoé", email="zoe@example.org", street="0612345678 bâtiment B")
    assert names("06 12 34 56 78")[0] == "Hélène Lefèvre"


def test_short_or_empty_queries_return_nothing(directory):
    assert names("") == names(" ") == names("h") == []


def test_limit_is_respected(directory):
    for index in range(15):
        make_citizen(f"Martin{index}")
    assert len(citizens_search(query="martin", limit=10)) == 10


def test_query_parsing_recognises_numbers_and_addresses():
    assert parse_query("06 12 34 56 78").phone == "+33612345678"
    assert parse_query("06 12 34").terms == ("061234",)
    assert parse_query("+33 (0)6 12 34 56 78").terms == ("33612345678",)
    assert parse_query("Helene@Example.org").email == "helene@example.org"
    assert parse_query("Hélène  LEFÈVRE").terms == ("helene", "lefevre")


@postgresql_only
def test_a_typo_still_finds_the_name_on_postgresql(directory):
    assert names("lefevrre") == ["Hélène Lefèvre"]


@postgresql_only
def test_search_uses_the_trigram_index_on_postgresql(directory):
    from guichet.citizens.models import Citizen

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'citizens_citizen_search_trgm'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Citizen.objects.filter(search_text__contains="lefevre").explain()
    assert "citizens_citizen_search_trgm" in plan
