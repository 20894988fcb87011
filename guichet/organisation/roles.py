"""Who is who among the town hall's staff: every role check of the project is written here.

Each predicate takes a user (signed in or not, agent or citizen) or an ``Agent``, and answers False
for anyone who is not an active agent. Which tickets an agent may see or change is built on these in
``tickets.permissions``.
"""

from typing import TYPE_CHECKING

from guichet.organisation.models import Agent, Role, Service

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from guichet.accounts.models import User

    Person = User | AnonymousUser | Agent | None

# Supervisors (responsable de service, DGS) and administrators see every service.
ALL_SERVICES_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
# Reception and the mail room take requests for any service.
FRONT_DESK_ROLES = frozenset({Role.RECEPTION, Role.MAIL_ROOM})
MAIL_ROOM_ROLES = frozenset({Role.MAIL_ROOM}) | ALL_SERVICES_ROLES
QUARANTINE_ROLES = frozenset({Role.RECEPTION}) | ALL_SERVICES_ROLES


def agent_of(who: "Person") -> Agent | None:
    """The agent behind a user (or the agent itself), if that user is signed in and active."""
    if who is None:
        return None
    if isinstance(who, Agent):
        return who if who.user.is_active else None
    if not who.is_authenticated or not who.is_active:
        return None
    try:
        return who.agent
    except Agent.DoesNotExist:
        return None


def is_agent(who: "Person") -> bool:
    return agent_of(who) is not None


def is_town_hall_account(user: "User | AnonymousUser") -> bool:
    """An account the town hall owns (staff, or any agent record, even deactivated): never a citizen's to delete."""
    return bool(user.is_authenticated and (user.is_staff or Agent.objects.filter(user_id=user.pk).exists()))


def sees_all_services(who: "Person") -> bool:
    """Supervisors and administrators: every ticket, every service, every action."""
    agent = agent_of(who)
    return agent is not None and agent.role in ALL_SERVICES_ROLES


def is_supervisor(who: "Person") -> bool:
    return sees_all_services(who)


def is_front_desk(who: "Person") -> bool:
    """Reception and mail room: they read every ticket and change only those they entered."""
    agent = agent_of(who)
    return agent is not None and agent.role in FRONT_DESK_ROLES


def may_use_mail_room(who: "Person") -> bool:
    agent = agent_of(who)
    return agent is not None and agent.role in MAIL_ROOM_ROLES


def may_handle_quarantine(who: "Person") -> bool:
    """Emails that could not become a ticket: reception, supervisors and administrators read and sort them."""
    agent = agent_of(who)
    return agent is not None and agent.role in QUARANTINE_ROLES


def may_see_statistics(who: "Person") -> bool:
    """The statistics page: supervisors and administrators (every service), service agents (their services).
    Reception and the mail room take requests for every service but run none: not theirs to assess."""
    agent = agent_of(who)
    return agent is not None and agent.role not in FRONT_DESK_ROLES


def may_merge_citizens(who: "Person") -> bool:
    """Merging two citizen records moves tickets between people: supervisors only."""
    return sees_all_services(who)


def may_export_citizen_data(who: "Person") -> bool:
    """Citizens' names and contact details in a ticket export: supervisors and administrators, and service
    agents (for their services' tickets only). Not the front desk: it reads every ticket to take requests,
    not to take away lists of people."""
    agent = agent_of(who)
    return agent is not None and (agent.role in ALL_SERVICES_ROLES or agent.role == Role.SERVICE_AGENT)


def works_for(who: "Person", service: Service) -> bool:
    """May handle the tickets of ``service`` (be assigned one): its agents, and those who see every service."""
    agent = agent_of(who)
    return agent is not None and (agent.role in ALL_SERVICES_ROLES or service.pk in agent.service_ids)


def service_ids_of(who: "Person") -> frozenset[int]:
    """The services an agent belongs to (none for anyone else)."""
    agent = agent_of(who)
    return agent.service_ids if agent is not None else frozenset()


def may_set_legal_hold(who: "Person") -> bool:
    """A legal hold suspends a ticket's retention (a dispute, an inquiry): supervisors and administrators."""
    return sees_all_services(who)


def is_dpo(who: "Person") -> bool:
    agent = agent_of(who)
    return agent is not None and agent.is_dpo


def may_read_access_log(who: "Person") -> bool:
    """The log of who saw which personal data: administrators and the data protection officer only."""
    agent = agent_of(who)
    return agent is not None and (agent.role == Role.ADMINISTRATOR or agent.is_dpo)


def may_read_processing_register(who: "Person") -> bool:
    """The register of processing activities (GDPR art. 30): administrators and the data protection officer."""
    return may_read_access_log(who)


def may_answer_data_requests(who: "Person") -> bool:
    """A citizen's access, rectification or erasure request, from the back office: administrators and the data
    protection officer. Service agents answer requests, not rights over a person's whole record."""
    return may_read_access_log(who)
