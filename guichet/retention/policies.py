"""Which policy a ticket falls under, and when its personal data expires."""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.catalogue.models import RequestType
from guichet.organisation.models import Commune, RetentionAction
from guichet.retention.models import RetentionPolicy


@dataclass(frozen=True)
class Policy:
    months: int
    action: str
    request_type_id: int | None  # None: the commune's default

    @property
    def label(self) -> str:
        """What the ``anonymised`` event records: the rule, never a person."""
        scope = _("démarche") if self.request_type_id else _("règle de la commune")
        return _("%(scope)s, %(months)s mois après la clôture") % {"scope": scope, "months": self.months}

    @property
    def deletes(self) -> bool:
        return self.action == RetentionAction.DELETE

    def cutoff(self, now: datetime.datetime) -> datetime.datetime:
        """Tickets closed before this moment have expired."""
        return add_months(now, -self.months)


def commune_policy() -> Policy:
    commune = Commune.current()
    return Policy(months=commune.retention_months, action=commune.retention_action, request_type_id=None)


def _own_policies() -> dict[int, Policy]:
    return {
        policy.request_type_id: Policy(
            months=policy.months, action=policy.action, request_type_id=policy.request_type_id
        )
        for policy in RetentionPolicy.objects.all()
    }


def policies_by_type() -> dict[int, Policy]:
    """Every request type's policy, its own or the commune's: fresh from the database, read once per run."""
    default = commune_policy()
    own = _own_policies()
    return {pk: own.get(pk, default) for pk in RequestType.objects.values_list("pk", flat=True)}


def cached_policies_by_type() -> dict[int, Policy]:
    """The request types' own policies, for the pages that state them (the notices, the register).

    Kept on the cached commune (``Commune.current()``), so they are forgotten with it: when the commune is saved,
    when a ``RetentionPolicy`` is saved or deleted, and at the latest after ``Commune.CACHE_SECONDS`` on the
    other processes. One query per process and cache period; a type missing from it follows the commune.
    """
    commune = Commune.current()
    cached: dict[int, Policy] | None = getattr(commune, "_retention_policies", None)
    if cached is None:
        cached = _own_policies()
        commune._retention_policies = cached  # type: ignore[attr-defined]
    return cached


def policy_for_type(request_type_id: int | None) -> Policy:
    """The policy the notices state for a request type (None: the commune's default), without a query once cached."""
    if request_type_id is None:
        return commune_policy()
    return cached_policies_by_type().get(request_type_id) or commune_policy()


def expires_on(closed_at: datetime.datetime, policy: Policy) -> datetime.date:
    return timezone.localdate(add_months(closed_at, policy.months))


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """Calendar months, the day clamped to the month's end (31 March + 1 month = 30 April)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
