import pytest

from guichet.organisation.models import Commune

pytestmark = pytest.mark.django_db


def test_current_creates_the_commune_row_once():
    first = Commune.current()
    Commune.forget_cached()
    assert Commune.current().pk == first.pk
    assert Commune.objects.count() == 1


def test_current_is_served_from_the_process_cache(django_assert_num_queries):
    Commune.current()
    with django_assert_num_queries(0):
        Commune.current()


def test_saving_the_commune_refreshes_the_cache():
    commune = Commune.current()
    commune.name = "Mairie de Nouvelleville"
    commune.save()
    assert Commune.current().name == "Mairie de Nouvelleville"
