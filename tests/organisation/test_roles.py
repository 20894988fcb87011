"""organisation.roles: every role check, for every role, on users, agents and people who are not agents."""

import pytest
from django.contrib.auth.models import AnonymousUser

from guichet.organisation import roles
from guichet.organisation.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

PREDICATES = {
    "is_agent": roles.is_agent,
    "sees_all_services": roles.sees_all_services,
    "is_supervisor": roles.is_supervisor,
    "is_front_desk": roles.is_front_desk,
    "may_use_mail_room": roles.may_use_mail_room,
    "may_merge_citizens": roles.may_merge_citizens,
}
EXPECTED = {
    Role.RECEPTION: {"is_agent", "is_front_desk"},
    Role.MAIL_ROOM: {"is_agent", "is_front_desk", "may_use_mail_room"},
    Role.SERVICE_AGENT: {"is_agent"},
    Role.SUPERVISOR: {"is_agent", "sees_all_services", "is_supervisor", "may_use_mail_room", "may_merge_citizens"},
    Role.ADMINISTRATOR: {"is_agent", "sees_all_services", "is_supervisor", "may_use_mail_room", "may_merge_citizens"},
}


def granted(who) -> set[str]:
    return {name for name, check in PREDICATES.items() if check(who)}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_rights_as_a_user_or_as_an_agent(role):
    agent = factories.AgentFactory(role=role)
    assert granted(agent.user) == EXPECTED[role]
    assert granted(agent) == EXPECTED[role]


@pytest.mark.parametrize("role", list(Role))
def test_a_deactivated_agent_has_no_right(role):
    agent = factories.AgentFactory(role=role, user__is_active=False)
    assert granted(agent.user) == set()
    assert granted(agent) == set()
    assert roles.agent_of(agent.user) is None


def test_citizens_anonymous_visitors_and_nobody_have_no_right():
    citizen_account = factories.UserFactory()
    for who in (citizen_account, AnonymousUser(), None):
        assert granted(who) == set()
        assert roles.agent_of(who) is None
        assert roles.service_ids_of(who) == frozenset()


def test_works_for_its_services_and_those_who_see_all(service, other_service):
    agent = factories.AgentFactory(services=[service])
    reception = factories.AgentFactory(role=Role.RECEPTION, services=[service])
    supervisor = factories.AgentFactory(role=Role.SUPERVISOR)
    assert roles.works_for(agent.user, service) and not roles.works_for(agent.user, other_service)
    assert roles.works_for(reception.user, service) and not roles.works_for(reception.user, other_service)
    assert roles.works_for(supervisor.user, service) and roles.works_for(supervisor.user, other_service)
    assert not roles.works_for(factories.UserFactory(), service)
    assert roles.service_ids_of(agent.user) == frozenset({service.pk})


def test_town_hall_accounts_are_staff_and_every_agent_even_deactivated():
    deactivated = factories.AgentFactory(user__is_active=False).user
    assert roles.is_town_hall_account(factories.AgentFactory().user)
    assert roles.is_town_hall_account(deactivated)
    assert roles.is_town_hall_account(factories.UserFactory(is_staff=True))
    assert not roles.is_town_hall_account(factories.UserFactory())
    assert not roles.is_town_hall_account(AnonymousUser())
