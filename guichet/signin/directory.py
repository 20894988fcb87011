"""Agents from the commune's directory (OpenID Connect or LDAP): groups → role and services, and the account.

Whichever way the directory vouches for a person (an ID token, an LDAP bind), the sign-in ends here:
``directory_agent_sync`` finds the account by the directory's identifier, creates the user and its ``Agent``
on the first sign-in, and at every sign-in sets the role and services again from the groups. Someone in no
mapped group, or whose account was deactivated in Guichet, is refused (``DirectoryRefused``), and nothing changes.

The mapping is ``DirectoryGroupMapping`` (edited in the admin); ``GUICHET_AGENT_DIRECTORY_GROUPS`` gives
defaults for groups the admin does not list: ``group=role:service-slug,service-slug;other-group=role``.
Django's admin flags (``is_staff``, ``is_superuser``) are never given by the directory: they stay a local decision.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from guichet.accounts.models import User
from guichet.organisation.models import Agent, Role, Service
from guichet.signin.models import DirectoryAccount, DirectoryGroupMapping, FailureReason

# The LDAP backend (``signin.ldap_directory``, which needs python-ldap, loaded only when configured) and the
# request attribute on which it tells the sign-in form why the directory's groups refused someone.
LDAP_BACKEND = "guichet.signin.ldap_directory.DirectoryLDAPBackend"
REFUSAL_ATTRIBUTE = "guichet_directory_refusal"
# When an agent is in several groups, the role that reaches furthest wins.
ROLE_PRECEDENCE = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.MAIL_ROOM, Role.RECEPTION, Role.SERVICE_AGENT)


@dataclass(frozen=True)
class DirectoryIdentity:
    """What the directory says about the person signing in."""

    source: str  # DirectorySource
    issuer: str
    subject: str
    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grants:
    role: str
    service_ids: frozenset[int] = field(default_factory=frozenset)


class DirectoryRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # FailureReason


def parse_group_map(raw: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``group=role:slug,slug;group2=:slug`` → {group: (role or "", (slugs…))}."""
    mapping: dict[str, tuple[str, tuple[str, ...]]] = {}
    for entry in filter(None, (part.strip() for part in raw.split(";"))):
        group, sep, rest = entry.rpartition("=")
        role, _colon, slugs = rest.partition(":")
        role = role.strip()
        if not sep or not group.strip() or (role and role not in Role.values):
            raise ImproperlyConfigured(
                f"GUICHET_AGENT_DIRECTORY_GROUPS: « {entry} » is not group=role[:service,…] "
                f"(roles: {', '.join(Role.values)})"
            )
        mapping[group.strip()] = (role, tuple(s.strip() for s in slugs.split(",") if s.strip()))
    return mapping


def directory_grants(groups: tuple[str, ...] | list[str]) -> Grants | None:
    """The role and services these groups give, or None when none of them is mapped."""
    wanted = set(groups)
    if not wanted:
        return None
    roles: set[str] = set()
    service_ids: set[int] = set()
    found: set[str] = set()
    rows = DirectoryGroupMapping.objects.filter(group__in=wanted).prefetch_related("services")
    for row in rows:
        found.add(row.group)
        if row.role:
            roles.add(row.role)
        service_ids.update(service.pk for service in row.services.all())
    defaults = {
        g: v for g, v in parse_group_map(settings.GUICHET_AGENT_DIRECTORY_GROUPS).items() if g in wanted - found
    }
    slugs = {slug for _role, group_slugs in defaults.values() for slug in group_slugs}
    if slugs:
        service_ids.update(Service.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    roles.update(role for role, _slugs in defaults.values() if role)
    if not found and not defaults:
        return None
    role = next((r for r in ROLE_PRECEDENCE if r in roles), Role.SERVICE_AGENT)
    return Grants(role=role, service_ids=frozenset(service_ids))


def _account_for(identity: DirectoryIdentity) -> DirectoryAccount:
    account = (
        DirectoryAccount.objects.select_for_update()
        .select_related("user")
        .filter(source=identity.source, issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if account is not None:
        return account
    # A local agent account of the same user name joins the directory at its first directory sign-in.
    user = User.objects.filter(username__iexact=identity.username).select_related("directory_account").first()
    if user is None:
        user = User(username=identity.username[:150])
        user.set_unusable_password()
        user.save()
    elif hasattr(user, "directory_account") or not Agent.objects.filter(user=user).exists():
        # Another directory identity, or a citizen's account, already has this name: never taken over.
        raise DirectoryRefused(FailureReason.DIRECTORY_ERROR)
    return DirectoryAccount.objects.create(
        user=user, source=identity.source, issuer=identity.issuer, subject=identity.subject
    )


def directory_agent_sync(*, identity: DirectoryIdentity) -> User:
    """The agent's account, created or brought in step with the directory; ``DirectoryRefused`` otherwise."""
    existing = (
        DirectoryAccount.objects.select_related("user")
        .filter(source=identity.source, issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if existing is not None and not existing.user.is_active:
        raise DirectoryRefused(FailureReason.DEACTIVATED)
    grants = directory_grants(identity.groups)
    if grants is None:
        raise DirectoryRefused(FailureReason.NO_GROUP)
    try:
        return _sync(identity, grants)
    except IntegrityError:
        # Two first sign-ins of one person at once: the other created the account; this one updates it.
        return _sync(identity, grants)


def _sync(identity: DirectoryIdentity, grants: Grants) -> User:
    with transaction.atomic():
        account = _account_for(identity)
        user = account.user
        if not user.is_active:
            raise DirectoryRefused(FailureReason.DEACTIVATED)
        user.email = identity.email[:254] or user.email
        user.first_name = identity.first_name[:150] or user.first_name
        user.last_name = identity.last_name[:150] or user.last_name
        user.save(update_fields=["email", "first_name", "last_name"])
        agent, _created = Agent.objects.get_or_create(user=user, defaults={"role": grants.role})
        if agent.role != grants.role:
            agent.role = grants.role
            agent.save(update_fields=["role"])
        agent.services.set(grants.service_ids)
        account.groups = sorted(identity.groups)
        account.synced_at = timezone.now()
        account.save(update_fields=["groups", "synced_at"])
    return user
