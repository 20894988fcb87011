"""Writes for citizen accounts: the account's citizen record, claims, export, deletion.

An account owns one ``Citizen`` record (``Citizen.user``); every ticket of that record, whatever its
channel, is the account's. Tickets of other records are only ever attached on the holder's
confirmation (``tickets_claim``), and only when they carry one of the account's verified addresses.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts import selectors
from guichet.accounts.models import PhoneVerification, TicketSeen, User
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_search_text, citizen_update
from guichet.notifications.models import CITIZEN_TEMPLATES, SURVEY_TEMPLATES, Notification, Template
from guichet.notifications.services import notifications_withdraw
from guichet.organisation import roles
from guichet.tickets.models import AuthorKind, EventKind, Ticket
from guichet.tickets.services import tickets_move_to_citizen, tickets_search_reindex, tickets_strip_personal_data

ANONYMOUS_NAME = "Usager anonymisé"


def account_citizen(user: User) -> Citizen:
    """The account's citizen record, made on first use from the account's name and verified email."""
    citizen = Citizen.objects.filter(user=user).first()
    if citizen is None:
        try:
            with transaction.atomic():
                citizen = Citizen(
                    user=user,
                    first_name=user.first_name,
                    last_name=user.last_name or user.email.split("@")[0],
                    email=user.email.lower(),
                    preferred_channel=ContactChannel.EMAIL,
                )
                citizen.search_text = citizen_search_text(citizen)
                citizen.full_clean()
                citizen.save()
        except IntegrityError:  # made meanwhile by another request of the same person
            citizen = Citizen.objects.get(user=user)
    elif user.email and citizen.email != user.email.lower():
        # The account's email changed (and was verified by allauth): the record follows it.
        citizen_update(citizen=citizen, email=user.email)
    return citizen


def account_prefill_from_claims(*, user: User, claims: dict[str, Any]) -> Citizen:
    """An identity provider's claims (given name, family name, email, birth date) fill the empty profile fields."""
    citizen = account_citizen(user)
    changes: dict[str, Any] = {}
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name")):
        value = str(claims.get(claim) or "").strip()[:100]
        if value and getattr(citizen, field) in ("", user.email.split("@")[0]):
            changes[field] = value
    if changes:
        citizen_update(citizen=citizen, **changes)
    birth_date = _parse_date(claims.get("birthdate"))
    if birth_date and citizen.birth_date is None:
        citizen.birth_date = birth_date
        citizen.save(update_fields=["birth_date"])
    return citizen


def _parse_date(raw: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def account_profile_update(*, user: User, birth_date: datetime.date | None = None, **changes: Any) -> Citizen:
    """Profile form: contact details, address, channel and consents; the account's name follows."""
    citizen = account_citizen(user)
    changes.pop("email", None)  # the email is the account's, changed (and verified) through allauth
    citizen_update(citizen=citizen, **changes)
    if citizen.birth_date != birth_date:
        citizen.birth_date = birth_date
        citizen.save(update_fields=["birth_date"])
    if (user.first_name, user.last_name) != (citizen.first_name, citizen.last_name):
        user.first_name, user.last_name = citizen.first_name[:150], citizen.last_name[:150]
        user.save(update_fields=["first_name", "last_name"])
    return citizen


def ticket_seen(*, user: User, ticket: Ticket) -> None:
    TicketSeen.objects.update_or_create(user=user, ticket=ticket, defaults={"seen_at": timezone.now()})


def tickets_claim(*, user: User, references: Iterable[str]) -> list[Ticket]:
    """Attach the chosen tickets, each still claimable (same verified address, no other account), to the account."""
    citizen = account_citizen(user)
    wanted = set(references)
    with transaction.atomic():
        claimable = list(selectors.claimable_tickets(user).filter(reference__in=wanted).select_for_update(of=("self",)))
        moved = tickets_move_to_citizen(
            citizen=citizen,
            event_data={t.pk: {"from_citizen_id": t.citizen_id, "to_citizen_id": citizen.pk} for t in claimable},
            kind=EventKind.CLAIMED,
            actor=user,
            actor_kind=AuthorKind.CITIZEN,
        )
        tickets_search_reindex(ticket_ids=moved)
    return claimable


def account_delete(*, user: User) -> None:
    """Close the account: the tickets stay with the town hall, detached from any person.

    The citizen record is anonymised (name, contact details, address, birth date), its household
    members are deleted, the contact answers of its tickets are removed, and the user is deleted
    (with its email addresses and identity-provider links).
    """
    if roles.is_town_hall_account(user):
        raise PermissionDenied(_("Un compte agent ne peut pas être supprimé depuis l’espace citoyen."))
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().filter(user=user).first()
        if citizen is not None:
            citizen_anonymise(citizen)
        # Codes not sent yet are stopped; the record of those sent keeps no number.
        keys = [
            PhoneVerification.notification_key(pk)
            for pk in PhoneVerification.objects.filter(user=user).values_list("pk", flat=True)
        ]
        notifications_withdraw(
            notifications=Notification.objects.filter(template=Template.PHONE_VERIFICATION, idempotency_key__in=keys),
            reason="account deleted",
        )
        EmailAddress.objects.filter(user=user).delete()
        user.delete()


def citizen_anonymise(citizen: Citizen, *, erased_by: User | None = None) -> None:
    """The record keeps no name, contact or address; its tickets lose contact answers and personal links.

    For an account's deletion (``erased_by`` None), or an agent answering the citizen's erasure request. The caller
    holds the transaction and deals with the account.
    """
    citizen.household_members.all().delete()
    tickets = tickets_strip_personal_data(citizen=citizen, actor=erased_by)
    notifications_withdraw(
        notifications=Notification.objects.filter(
            ticket__in=tickets, template__in=CITIZEN_TEMPLATES | SURVEY_TEMPLATES
        ),
        reason="account deleted",
    )
    for name in ("first_name", "email", "phone", "street", "postcode", "city"):
        setattr(citizen, name, "")
    citizen.last_name = ANONYMOUS_NAME
    citizen.birth_date = None
    citizen.user = None
    citizen.consent_email = citizen.consent_sms = False
    citizen.preferred_channel = ContactChannel.POST
    citizen.updated_at = timezone.now()
    citizen.search_text = citizen_search_text(citizen)
    citizen.save()
    tickets_search_reindex(ticket_ids=tickets)
