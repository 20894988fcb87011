"""Directory groups → role and services: the admin's mapping, the environment's defaults, the widest role."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from guichet.organisation.models import Role
from guichet.signin.directory import directory_grants, parse_group_map
from guichet.signin.models import DirectoryGroupMapping
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_environment_mapping_reads_groups_roles_and_services():
    assert parse_group_map(" admins=administrator ; voirie=service_agent:voirie, proprete;accueil=:accueil;") == {
        "admins": ("administrator", ()),
        "voirie": ("service_agent", ("voirie", "proprete")),
        "accueil": ("", ("accueil",)),
    }
    assert parse_group_map("cn=voirie,ou=groups,dc=mairie,dc=test=supervisor") == {
        "cn=voirie,ou=groups,dc=mairie,dc=test": ("supervisor", ())
    }


@pytest.mark.parametrize("raw", ["voirie", "voirie=chef", "=supervisor"])
def test_a_malformed_environment_mapping_says_what_is_wrong(raw):
    with pytest.raises(ImproperlyConfigured, match="GUICHET_AGENT_DIRECTORY_GROUPS"):
        parse_group_map(raw)


def test_the_widest_role_wins_and_services_add_up(settings):
    settings.GUICHET_AGENT_DIRECTORY_GROUPS = "courrier=mail_room:courrier;voirie=reception"
    voirie, courrier = factories.ServiceFactory(slug="voirie"), factories.ServiceFactory(slug="courrier")
    DirectoryGroupMapping.objects.create(group="voirie", role=Role.SERVICE_AGENT).services.set([voirie])
    grants = directory_grants(["voirie", "courrier", "inconnu"])
    assert grants.role == Role.MAIL_ROOM  # the admin's row for voirie replaces the environment's
    assert grants.service_ids == {voirie.pk, courrier.pk}
    DirectoryGroupMapping.objects.create(group="dgs", role=Role.ADMINISTRATOR)
    assert directory_grants(["voirie", "dgs"]).role == Role.ADMINISTRATOR


def test_services_only_groups_give_the_service_agent_role_and_unknown_groups_nothing(settings):
    settings.GUICHET_AGENT_DIRECTORY_GROUPS = ""
    DirectoryGroupMapping.objects.create(group="etat-civil")
    assert directory_grants(["etat-civil"]).role == Role.SERVICE_AGENT
    assert directory_grants(["stagiaires"]) is None
    assert directory_grants([]) is None


def test_grants_take_a_fixed_number_of_queries(settings, django_assert_num_queries):
    settings.GUICHET_AGENT_DIRECTORY_GROUPS = "a=:s1"
    for n in range(5):
        DirectoryGroupMapping.objects.create(group=f"g{n}").services.set([factories.ServiceFactory()])
    with django_assert_num_queries(3):  # mappings, their services, the environment's services
        directory_grants([f"g{n}" for n in range(5)] + ["a"])
