"""Agents' sign-in against the commune's LDAP directory (OpenLDAP, Active Directory…), through django-auth-ldap.

The usual sign-in form (its per-address rate limit, per-account lock and failure log) sends the user name and
password here: the user is found by a search (a service account binds first, or an anonymous bind), then
bound with their own password; their groups go through the same mapping as OpenID Connect
(``signin.directory.directory_agent_sync``), by name or by DN. A refusal by the mapping (no group, deactivated)
stops the other backends and is told to the form (``REFUSAL_ATTRIBUTE`` on the request).

Settings: ``GUICHET_AGENT_LDAP_*`` (docs/INSTALL.md, « Annuaire de la commune »).
"""

from typing import Any

import ldap
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_auth_ldap.backend import LDAPBackend, LDAPSettings
from django_auth_ldap.config import (
    GroupOfNamesType,
    GroupOfUniqueNamesType,
    LDAPSearch,
    NestedActiveDirectoryGroupType,
    PosixGroupType,
)

from guichet.signin.directory import REFUSAL_ATTRIBUTE, DirectoryIdentity, DirectoryRefused, directory_agent_sync
from guichet.signin.models import DirectorySource

GROUP_TYPES = {
    "groupOfNames": GroupOfNamesType,
    "groupOfUniqueNames": GroupOfUniqueNamesType,
    "posixGroup": PosixGroupType,
    "activeDirectory": NestedActiveDirectoryGroupType,
}


def _ldap_settings() -> dict[str, Any]:
    group_type = GROUP_TYPES.get(settings.GUICHET_AGENT_LDAP_GROUP_TYPE)
    if group_type is None:
        raise ValueError(f"GUICHET_AGENT_LDAP_GROUP_TYPE: one of {', '.join(GROUP_TYPES)}")
    return {
        "SERVER_URI": settings.GUICHET_AGENT_LDAP_URI,
        "START_TLS": settings.GUICHET_AGENT_LDAP_START_TLS,
        "BIND_DN": settings.GUICHET_AGENT_LDAP_BIND_DN,
        "BIND_PASSWORD": settings.GUICHET_AGENT_LDAP_BIND_PASSWORD,
        "USER_SEARCH": LDAPSearch(
            settings.GUICHET_AGENT_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.GUICHET_AGENT_LDAP_USER_FILTER
        ),
        "GROUP_SEARCH": LDAPSearch(
            settings.GUICHET_AGENT_LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE, settings.GUICHET_AGENT_LDAP_GROUP_FILTER
        ),
        "GROUP_TYPE": group_type(),
        # The account is written by directory_agent_sync only.
        "ALWAYS_UPDATE_USER": False,
        "CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 10, ldap.OPT_REFERRALS: 0},
    }


def _first(attrs: dict[str, list[str]], name: str) -> str:
    values = attrs.get(name) or attrs.get(name.lower()) or [""]
    return str(values[0])


class DirectoryLDAPBackend(LDAPBackend):
    _settings: LDAPSettings | None

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:
            # Read at each sign-in (a new backend each time): the GUICHET_ settings, not AUTH_LDAP_*.
            self._settings = LDAPSettings("GUICHET_AGENT_LDAP_UNUSED_", _ldap_settings())
        return self._settings

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        self._settings = value

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        try:
            return ldap_user.authenticate(password)
        except DirectoryRefused as refusal:
            request = getattr(ldap_user, "_request", None)
            if request is not None:
                setattr(request, REFUSAL_ATTRIBUTE, refusal.reason)
            raise PermissionDenied from refusal  # no other backend tries this user name

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        attrs = ldap_user.attrs
        identity = DirectoryIdentity(
            source=DirectorySource.LDAP,
            # The base DN, not the server's address: moving to ldaps:// or another replica keeps the accounts.
            issuer=settings.GUICHET_AGENT_LDAP_USER_BASE.lower(),
            subject=username.strip().lower(),
            username=username.strip().lower(),
            email=_first(attrs, settings.GUICHET_AGENT_LDAP_ATTR_EMAIL),
            first_name=_first(attrs, settings.GUICHET_AGENT_LDAP_ATTR_FIRST_NAME),
            last_name=_first(attrs, settings.GUICHET_AGENT_LDAP_ATTR_LAST_NAME),
            groups=tuple(sorted(set(ldap_user.group_names) | set(ldap_user.group_dns))),
        )
        return directory_agent_sync(identity=identity), False
