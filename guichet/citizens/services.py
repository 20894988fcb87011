"""Writes to the citizen directory; every channel and back-office screen goes through here.

Values are normalised on the way in (email lower-case, phone in E.164, blanks collapsed) and each
record keeps ``search_text`` for the directory search (``citizens.selectors``), folded (lower-case,
no accents), laid out as::

    <last name>;<first name> | <email> | <national digits> <E.164 digits> | <postcode> <city> | <street>

The selectors rely on that layout: the name comes first, the last name ends at ";".
Tickets copy their citizen's name and contact into their own ``search_text`` (``tickets.search``):
changing those here rebuilds it on the citizen's tickets.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.citizens.models import Citizen, ContactChannel
from guichet.lib.phones import parse_phone, phone_search_forms, to_e164
from guichet.lib.text import fold
from guichet.organisation.roles import may_merge_citizens
from guichet.tickets.models import AuthorKind, Event, EventKind, Message, Ticket
from guichet.tickets.search import build_search_text

ADDRESS_FIELDS = ("street", "postcode", "city")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", *ADDRESS_FIELDS)
EDITABLE_FIELDS = frozenset({*CONTACT_FIELDS, "preferred_channel", "consent_email", "consent_sms"})
# What tickets.search.build_search_text copies from the citizen.
TICKET_SEARCHED_FIELDS = frozenset({"first_name", "last_name", "email", "phone"})


def fold_text(text: str) -> str:
    """Lower-case, accent-free, single-spaced: what search_text holds and what queries are compared with."""
    return " ".join(fold(text).replace("\N{RIGHT SINGLE QUOTATION MARK}", "'").split())


def normalise_phone(raw: str) -> str:
    """E.164 for a number typed any usual way; unparseable input is kept as typed for ``full_clean`` to refuse."""
    raw = raw.strip()
    number = parse_phone(raw) if raw else None
    return to_e164(number) if number else raw


def citizen_search_text(citizen: Citizen) -> str:
    phone = phone_search_forms(citizen.phone) if citizen.phone else ""
    parts = (
        f"{fold_text(citizen.last_name)};{fold_text(citizen.first_name)}",
        fold_text(citizen.email),
        phone,
        fold_text(f"{citizen.postcode} {citizen.city}"),
        fold_text(citizen.street),
    )
    return " | ".join(parts)


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    clean = dict(values)
    for name in ("first_name", "last_name", "street", "city"):
        if name in clean:
            clean[name] = " ".join(str(clean[name]).split())
    if "email" in clean:
        clean["email"] = clean["email"].strip().lower()
    if "phone" in clean:
        clean["phone"] = normalise_phone(clean["phone"])
    if "postcode" in clean:
        clean["postcode"] = "".join(clean["postcode"].split()).upper()
    return clean


def citizen_create(
    *,
    last_name: str,
    first_name: str = "",
    email: str = "",
    phone: str = "",
    street: str = "",
    postcode: str = "",
    city: str = "",
    preferred_channel: str = ContactChannel.EMAIL,
    consent_email: bool,
    consent_sms: bool,
) -> Citizen:
    """A new directory record. Consent is the citizen's answer, recorded by the agent (no default on purpose)."""
    values = _normalised(
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "street": street,
            "postcode": postcode,
            "city": city,
        }
    )
    citizen = Citizen(
        **values, preferred_channel=preferred_channel, consent_email=consent_email, consent_sms=consent_sms
    )
    return _save_new(citizen)


def _save_new(citizen: Citizen) -> Citizen:
    citizen.updated_at = timezone.now()
    citizen.search_text = citizen_search_text(citizen)
    citizen.full_clean()
    citizen.save()
    return citizen


def citizen_update(*, citizen: Citizen, **changes: Any) -> Citizen:
    """Change some of ``EDITABLE_FIELDS``; values are normalised, validated, and searches kept up to date."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"citizen_update: not editable: {', '.join(sorted(unknown))}")
    changed = [name for name, value in _normalised(changes).items() if _set(citizen, name, value)]
    if changed:
        with transaction.atomic():
            _save_changes(citizen, changed)
    return citizen


def _set(citizen: Citizen, name: str, value: Any) -> bool:
    if getattr(citizen, name) == value:
        return False
    setattr(citizen, name, value)
    return True


def _save_changes(citizen: Citizen, changed: Iterable[str]) -> None:
    changed = list(changed)
    citizen.updated_at = timezone.now()
    citizen.search_text = citizen_search_text(citizen)
    citizen.full_clean()
    citizen.save(update_fields=[*changed, "search_text", "updated_at"])
    if TICKET_SEARCHED_FIELDS.intersection(changed):
        _reindex_tickets(Ticket.objects.filter(citizen=citizen).values_list("pk", flat=True))


def citizen_find_or_create(
    *, first_name: str, last_name: str, email: str = "", phone: str = "", preferred_channel: str
) -> Citizen:
    """Reuse the record of the same person (same name and same email or phone), else create one.

    Matching needs the name too: a shared family address must not merge two people. Used by the
    online form, where choosing how to be answered is the consent to be contacted that way.
    """
    values = _normalised({"first_name": first_name, "last_name": last_name, "email": email, "phone": phone})
    email, phone = values["email"], values["phone"]
    contact_matches = Citizen.objects.none()
    if email:
        contact_matches = contact_matches | Citizen.objects.filter(email=email)
    if phone:
        contact_matches = contact_matches | Citizen.objects.filter(phone=phone)
    existing = (
        contact_matches.filter(first_name__iexact=values["first_name"], last_name__iexact=values["last_name"])
        .order_by("pk")
        .first()
    )
    consents = {
        "consent_email": preferred_channel in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS},
        "consent_sms": preferred_channel in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS},
    }
    if existing is None:
        citizen = Citizen(
            **values,
            preferred_channel=preferred_channel
            or (ContactChannel.SMS if phone and not email else ContactChannel.EMAIL),
            consent_email=True,
            consent_sms=True,
        )
        return _save_new(citizen)
    wanted = {"email": email, "phone": phone, "preferred_channel": preferred_channel}
    wanted |= {name: True for name, given in consents.items() if given}
    changed = [name for name, value in wanted.items() if value and _set(existing, name, value)]
    if changed:
        _save_changes(existing, changed)
    return existing


# Merging ---------------------------------------------------------------------------------------


@dataclass
class MergePlan:
    """What ``citizens_merge`` does to the kept record: fields it fills, values of the other it cannot keep."""

    filled: dict[str, str] = field(default_factory=dict)
    discarded: dict[str, str] = field(default_factory=dict)


def merge_plan(*, keep: Citizen, merge: Citizen) -> MergePlan:
    plan = MergePlan()
    for name in ("first_name", "last_name", "email", "phone"):
        mine, theirs = getattr(keep, name), getattr(merge, name)
        if theirs and not mine:
            plan.filled[name] = theirs
        elif theirs and theirs != mine:
            plan.discarded[name] = theirs
    # The address moves as a whole: half of one and half of the other would be nobody's address.
    mine, theirs = ([getattr(c, name) for name in ADDRESS_FIELDS] for c in (keep, merge))
    if any(theirs) and not any(mine):
        plan.filled |= {name: value for name, value in zip(ADDRESS_FIELDS, theirs, strict=True) if value}
    elif any(theirs) and theirs != mine:
        plan.discarded["address"] = " ".join(value for value in theirs if value)
    return plan


def citizens_merge(*, keep: Citizen, merge: Citizen, actor: User) -> Citizen:
    """Move everything of ``merge`` onto ``keep``, then delete ``merge``; one transaction, nothing lost.

    Tickets (and any other row pointing at the record) move; each moved ticket gets a
    ``citizen_merged`` event naming the merged record, the actor and the values ``keep`` could not
    take (its own differ), so that they stay on file. Only supervisors may merge (``PermissionDenied``).
    """
    if not may_merge_citizens(actor):
        raise PermissionDenied(_("Seul un responsable peut fusionner des fiches usager."))
    if keep.pk == merge.pk:
        raise ValidationError(_("Une fiche ne peut pas être fusionnée avec elle-même."), code="same_citizen")
    with transaction.atomic():
        locked = Citizen.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
        rows = {citizen.pk: citizen for citizen in locked}
        if len(rows) != 2:
            raise Citizen.DoesNotExist("one of the records was merged or deleted meanwhile")
        keep, merge = rows[keep.pk], rows[merge.pk]
        if keep.user_id and merge.user_id:
            raise ValidationError(
                _("Ces deux fiches ont chacune un compte citoyen : elles ne peuvent pas être fusionnées."),
                code="two_accounts",
            )
        plan = merge_plan(keep=keep, merge=merge)
        moved = list(Ticket.objects.filter(citizen=merge).order_by("pk").values_list("pk", flat=True))
        Ticket.objects.filter(pk__in=moved).update(citizen=keep)
        _move_other_relations(keep=keep, merge=merge)
        data = {
            "merged_citizen_id": merge.pk,
            "merged_citizen": merge.full_name,
            "kept_citizen_id": keep.pk,
            "kept_citizen": keep.full_name,
            "actor": actor.get_full_name() or actor.get_username(),
            "discarded": plan.discarded,
        }
        Event.objects.bulk_create(
            Event(ticket_id=pk, kind=EventKind.CITIZEN_MERGED, actor=actor, actor_kind=AuthorKind.AGENT, data=data)
            for pk in moved
        )
        account = merge.user_id
        if account:  # the account follows its tickets onto the kept record
            Citizen.objects.filter(pk=merge.pk).update(user=None)
        merge.delete()
        if account:
            keep.user_id = account
        for name, value in plan.filled.items():
            setattr(keep, name, value)
        for name, consent in (("email", "consent_email"), ("phone", "consent_sms")):
            if name in plan.filled:  # consent goes with the address it was given for
                setattr(keep, consent, getattr(merge, consent))
        keep.updated_at = timezone.now()
        keep.search_text = citizen_search_text(keep)
        keep.full_clean()
        keep.save()
        refresh = TICKET_SEARCHED_FIELDS.intersection(plan.filled)
        _reindex_tickets(Ticket.objects.filter(citizen=keep).values_list("pk", flat=True) if refresh else moved)
    return keep


def _move_other_relations(*, keep: Citizen, merge: Citizen) -> None:
    """Rows other apps point at a citizen with follow it; a relation this code cannot move stops the merge."""
    for relation in Citizen._meta.related_objects:
        if relation.related_model is Ticket:
            continue
        if not relation.one_to_many:
            raise NotImplementedError(f"citizens_merge cannot move {relation.related_model.__name__} rows")
        manager = relation.related_model._base_manager
        manager.filter(**{relation.field.name: merge}).update(**{relation.field.name: keep})


def citizen_tickets_reindex(ticket_ids: Iterable[int]) -> None:
    """Rebuild the search text of tickets that changed citizen or whose citizen changed (accounts: claims, deletion)."""
    _reindex_tickets(ticket_ids)


def _reindex_tickets(ticket_ids: Iterable[int]) -> None:
    """Rebuild the search text of these tickets (it holds their citizen's name and contact)."""
    ids = list(ticket_ids)
    if not ids:
        return
    with transaction.atomic():
        # Locked like tickets.services does before appending a message: no message text is lost.
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("citizen", "request_type")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        bodies: dict[int, list[str]] = defaultdict(list)
        messages = Message.objects.filter(ticket_id__in=ids).order_by("created_at", "pk")
        for ticket_id, body in messages.values_list("ticket_id", "body"):
            bodies[ticket_id].append(body)
        for ticket in tickets:
            ticket.search_text = build_search_text(ticket, bodies[ticket.pk])
        Ticket.objects.bulk_update(tickets, ["search_text"], batch_size=500)
