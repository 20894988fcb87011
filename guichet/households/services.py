"""Writes to a citizen's household (espace famille)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember

EDITABLE_FIELDS = frozenset({"first_name", "last_name", "birth_date", "relationship"})


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = dict(values)
    for name in ("first_name", "last_name"):
        if name in clean:
            clean[name] = " ".join(str(clean[name]).split())
    birth_date = clean.get("birth_date")
    if isinstance(birth_date, datetime.date) and birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("La date de naissance ne peut pas être dans le futur.")})
    return clean


def member_create(
    *, citizen: Citizen, first_name: str, last_name: str, birth_date: datetime.date, relationship: str
) -> HouseholdMember:
    values = _clean(
        {"first_name": first_name, "last_name": last_name, "birth_date": birth_date, "relationship": relationship}
    )
    member = HouseholdMember(citizen=citizen, **values)
    member.full_clean()
    member.save()
    return member


def member_update(*, member: HouseholdMember, **changes: Any) -> HouseholdMember:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"member_update: not editable: {', '.join(sorted(unknown))}")
    changed = []
    for name, value in _clean(changes).items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    if changed:
        member.full_clean()
        member.save(update_fields=changed)
    return member


def member_archive(*, member: HouseholdMember) -> HouseholdMember:
    """The member leaves the choices of new requests; past requests still name them."""
    if member.archived_at is None:
        member.archived_at = timezone.now()
        member.save(update_fields=["archived_at"])
    return member


def member_restore(*, member: HouseholdMember) -> HouseholdMember:
    if member.archived_at is not None:
        member.archived_at = None
        member.save(update_fields=["archived_at"])
    return member
