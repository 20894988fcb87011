"""Writes to the citizen directory; every channel and back-office screen goes through here.

Values are normalised on the way in (email lower-case, phone in E.164, blanks collapsed) and each
record keeps ``search_text`` for the directory search (``citizens.selectors``), folded (lower-case,
no accents), laid out as::

    <last name>;<first name> | <email> | <national digits> <E.164 digits> | <postcode> <city> | <street>

The selectors rely on that layout: the name comes first, the last name ends at ";".
Tickets copy their citizen's name and contact into their own ``search_text`` (``tickets.search``):
changing those here rebuilds it on the citizen's tickets.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.citizens.models import Citizen, ContactChannel
from guichet.lib.inserts import insert
from guichet.lib.phones import is_mobile, parse_phone, phone_search_forms, to_e164
from guichet.lib.text import fold
from guichet.organisation.roles import may_merge_citizens
from guichet.tickets.models import AuthorKind, EventKind, Ticket, TicketFollower
from guichet.tickets.services import followers_move_to_citizen, tickets_move_to_citizen, tickets_search_reindex

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
    # Nothing unique is typed: the public id is 96 random bits (its unique index still checks it).
    citizen.full_clean(validate_unique=False)
    return insert(citizen)


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
        tickets_search_reindex(ticket_ids=Ticket.objects.filter(citizen=citizen).values_list("pk", flat=True))


# The citizen behind a submission ---------------------------------------------------------------

NOT_ASKED = ""  # the channel never asked how the citizen wants to be answered
DECLINED = "none"  # asked, the citizen wanted nothing sent (the agents' « Aucun envoi »)
EMAIL_CHANNELS = frozenset({ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS})
SMS_CHANNELS = frozenset({ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS})


@dataclass(frozen=True)
class SubmissionRules:
    """What differs between channels when they find or create the citizen; everything else is shared.

    ``match_known``: a submission without a chosen record reuses the record of the same person (same
    name, same email or phone). ``consent_with_details``: the citizen typed their details themselves,
    so a new record consents to be contacted at each address given, not only by the chosen channel.
    """

    match_known: bool
    consent_with_details: bool


# Web form, email, partner software (Open311, REST): the details come from the citizen.
FROM_CITIZEN = SubmissionRules(match_known=True, consent_with_details=True)
# Phone, counter, mail room: an agent searched the directory first and chose "new record";
# the consent is the citizen's answer the agent records (or the way their letter can be answered).
FROM_AGENT = SubmissionRules(match_known=False, consent_with_details=False)


def citizen_for_submission(
    *,
    rules: SubmissionRules,
    citizen: Citizen | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    street: str = "",
    postcode: str = "",
    city: str = "",
    chosen_channel: str = NOT_ASKED,
) -> Citizen | None:
    """The citizen record a submission from any channel belongs to, found, updated or created.

    - The record: ``citizen`` when the channel knows it (chosen by an agent, the signed-in account's,
      a REST ``public_id``); else, under ``rules.match_known``, the same person's; else a new one.
      Without a name, an email or a phone there is nobody to record: None. A record needs a last
      name: the email or phone stands in for a missing one.
    - Contact details given fill or replace the record's; a matched record keeps its names (they
      matched), an account keeps its email (its verified sign-in address changes in the account).
    - ``chosen_channel`` (a ``ContactChannel``) becomes the preferred channel and grants the consent
      to it. ``NOT_ASKED`` or ``DECLINED``: a known record keeps its preferences; a new one is
      answered by email if it has one, else by SMS on a mobile, else by post, and consents to that
      channel only if it was not asked (writing from an address is agreeing to be answered there).
    """
    values = _normalised(
        {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone}
        | {"street": street, "postcode": postcode, "city": city}
    )
    chosen = chosen_channel if chosen_channel in ContactChannel.values else ""
    if citizen is None:
        values["last_name"] = (values["last_name"] or values["email"] or values["phone"])[:100]
        if rules.match_known and (citizen := _same_person(values)):
            del values["first_name"], values["last_name"]
    if citizen is None:
        return _new_for_submission(values, chosen=chosen, not_asked=chosen_channel == NOT_ASKED, rules=rules)
    if citizen.user_id:
        values.pop("email")
    wanted: dict[str, Any] = {name: value for name, value in values.items() if value}
    if chosen:
        wanted["preferred_channel"] = chosen
        wanted |= {name: True for name, given in _consents(chosen).items() if given}
    changed = [name for name, value in wanted.items() if _set(citizen, name, value)]
    if changed:
        _save_changes(citizen, changed)
    return citizen


def citizen_from_contact(contact: Mapping[str, Any], *, citizen: Citizen | None = None) -> Citizen | None:
    """The citizen behind the online contact form (``intake.forms.ContactForm``'s cleaned data: names, email,
    phone and the channel chosen), by the rules of a citizen's own submission. The web form and « moi aussi »
    both read it this way; ``citizen``: the signed-in account's record."""
    return citizen_for_submission(
        rules=FROM_CITIZEN,
        citizen=citizen,
        first_name=contact["first_name"],
        last_name=contact["last_name"],
        email=contact.get("email") or "",
        phone=contact.get("phone") or "",
        chosen_channel=contact["ack_channel"],
    )


def _same_person(values: dict[str, str]) -> Citizen | None:
    """Same name and same email or phone: a shared family address alone must not merge two people.

    Every submission from a citizen asks this, so it is a fixed statement (one per combination of what was
    given: an empty email or phone is left out, so that each condition can use its index): the ORM's
    compilation of it, its ordering above all, cost more than the query. Names compare as ``iexact`` does on
    PostgreSQL.
    """
    given = [(column, values[column]) for column in ("email", "phone") if values[column]]
    if not given:
        return None
    contact = " OR ".join(f"{column} = %s" for column, _value in given)
    found = Citizen.objects.raw(
        f"SELECT * FROM {Citizen._meta.db_table} WHERE ({contact}) "
        "AND UPPER(first_name) = UPPER(%s) AND UPPER(last_name) = UPPER(%s) ORDER BY id LIMIT 1",
        [*(value for _column, value in given), values["first_name"], values["last_name"]],
    )
    return next(iter(found), None)


def _new_for_submission(
    values: dict[str, str], *, chosen: str, not_asked: bool, rules: SubmissionRules
) -> Citizen | None:
    if not values["last_name"]:
        return None
    channel = chosen or _reachable_channel(values)
    consents = _consents(channel if chosen or not_asked else DECLINED)
    if rules.consent_with_details:
        consents["consent_email"] |= bool(values["email"])
        consents["consent_sms"] |= bool(values["phone"])
    return _save_new(Citizen(**values, preferred_channel=channel, **consents))


def _reachable_channel(values: dict[str, str]) -> str:
    if values["email"]:
        return ContactChannel.EMAIL
    number = parse_phone(values["phone"]) if values["phone"] else None
    return ContactChannel.SMS if number is not None and is_mobile(number) else ContactChannel.POST


def _consents(channel: str) -> dict[str, bool]:
    return {"consent_email": channel in EMAIL_CHANNELS, "consent_sms": channel in SMS_CHANNELS}


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
        followers_move_to_citizen(keep=keep, merge=merge)
        _move_other_relations(keep=keep, merge=merge)
        data = {
            "merged_citizen_id": merge.pk,
            "merged_citizen": merge.full_name,
            "kept_citizen_id": keep.pk,
            "kept_citizen": keep.full_name,
            "actor": actor.get_full_name() or actor.get_username(),
            "discarded": plan.discarded,
        }
        moved = tickets_move_to_citizen(
            citizen=keep,
            event_data=dict.fromkeys(Ticket.objects.filter(citizen=merge).values_list("pk", flat=True), data),
            kind=EventKind.CITIZEN_MERGED,
            actor=actor,
            actor_kind=AuthorKind.AGENT,
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
        tickets_search_reindex(
            ticket_ids=Ticket.objects.filter(citizen=keep).values_list("pk", flat=True) if refresh else moved
        )
    return keep


def _move_other_relations(*, keep: Citizen, merge: Citizen) -> None:
    """Rows other apps point at a citizen with follow it; a relation this code cannot move stops the merge."""
    for relation in Citizen._meta.related_objects:
        if relation.related_model in (Ticket, TicketFollower):
            continue  # moved by tickets.services
        if not relation.one_to_many:
            raise NotImplementedError(f"citizens_merge cannot move {relation.related_model.__name__} rows")
        manager = relation.related_model._base_manager
        manager.filter(**{relation.field.name: merge}).update(**{relation.field.name: keep})
