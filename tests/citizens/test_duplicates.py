"""Possible duplicates are flagged (same phone, same email, nearly the same name), never merged here."""

import pytest
from django.db import connection

from guichet.citizens.models import Citizen
from guichet.citizens.selectors import citizen_possible_duplicates
from tests.citizens.conftest import make_citizen

pytestmark = pytest.mark.django_db


def test_same_phone_is_flagged(helene):
    other = make_citizen("Martin", "Paul", phone="+33 6 12 34 56 78")
    assert citizen_possible_duplicates(helene) == [other]
    assert citizen_possible_duplicates(other) == [helene]


def test_same_email_is_flagged(helene):
    other = make_citizen("Lefebvre", "Hélène", email="HELENE.LEFEVRE@example.org")
    assert citizen_possible_duplicates(helene) == [other]


def test_same_name_without_accents_is_flagged(helene):
    other = make_citizen("LEFEVRE", "Helene", email="autre@example.org")
    assert citizen_possible_duplicates(helene) == [other]


def test_different_people_are_not_flagged(helene):
    make_citizen("Lefèvre", "Paul", email="paul@example.org")  # same family, another person
    make_citizen("Martin", "Hélène", phone="07 81 22 33 44")
    make_citizen("Lefèvre", "Jeanne")
    assert citizen_possible_duplicates(helene) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="first-name similarity is PostgreSQL's")
def test_similar_first_name_with_the_same_last_name_is_flagged_on_postgresql(helene):
    other = make_citizen("Lefevre", "Helen")
    assert citizen_possible_duplicates(helene) == [other]


def test_flagging_merges_nothing(helene):
    make_citizen("Lefèvre", "Hélène", phone="06 12 34 56 78")
    citizen_possible_duplicates(helene)
    assert Citizen.objects.count() == 2
