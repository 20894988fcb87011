"""Where the tickets of an export come from, by name.

An export is requested from a page of a higher app (the inbox, the statistics page) and may be built later
by the worker, so it records the page's filters and rebuilds the tickets from them with the builder that
page registered from its ``AppConfig.ready()`` (docs/ARCHITECTURE.md, "Layers"): the export lists exactly
what the page lists, by the page's own code.
"""

from collections.abc import Callable

from django.db.models import QuerySet

from guichet.accounts.models import User
from guichet.tickets.models import Ticket

Filters = dict[str, list[str]]
Builder = Callable[[User, Filters], QuerySet[Ticket]]

_BUILDERS: dict[str, Builder] = {}


def register_source(name: str, builder: Builder) -> None:
    _BUILDERS[name] = builder


def is_known(name: str) -> bool:
    return name in _BUILDERS


def tickets_for_export(*, source: str, user: User, filters: Filters) -> QuerySet[Ticket]:
    """The tickets ``user`` sees on the page ``source`` with these filters (its order kept)."""
    return _BUILDERS[source](user, filters)
