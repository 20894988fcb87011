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
from guichet.catalogue.models import FieldKind
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_search_text, citizen_tickets_reindex, citizen_update
from guichet.notifications.models import CITIZEN_TEMPLATES, DeliveryStatus, Notification, Template
from guichet.organisation import roles
from guichet.tickets.models import AccessCode, AccessToken, AuthorKind, Event, EventKind, Ticket

# Answers that are contact details of the person, removed when the account is deleted.
PERSONAL_ANSWER_KINDS = frozenset({FieldKind.EMAIL, FieldKind.PHONE})
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
        for ticket in claimable:
            Event.objects.create(
                ticket=ticket,
                kind=EventKind.CLAIMED,
                actor=user,
                actor_kind=AuthorKind.CITIZEN,
                data={"from_citizen_id": ticket.citizen_id, "to_citizen_id": citizen.pk},
            )
        Ticket.objects.filter(pk__in=[t.pk for t in claimable]).update(citizen=citizen, updated_at=timezone.now())
        citizen_tickets_reindex(t.pk for t in claimable)
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
            _anonymise(citizen, actor=user)
        # Codes not sent yet are stopped; the record of those sent keeps no number.
        keys = [
            PhoneVerification.notification_key(pk)
            for pk in PhoneVerification.objects.filter(user=user).values_list("pk", flat=True)
        ]
        codes = Notification.objects.filter(template=Template.PHONE_VERIFICATION, idempotency_key__in=keys)
        codes.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, last_error="account deleted", next_attempt_at=None
        )
        codes.update(recipient="", context={})
        EmailAddress.objects.filter(user=user).delete()
        user.delete()


def _anonymise(citizen: Citizen, *, actor: User) -> None:
    citizen.household_members.all().delete()
    tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(citizen=citizen).order_by("pk"))
    for ticket in tickets:
        ticket.answers = [answer for answer in ticket.answers if answer.get("kind") not in PERSONAL_ANSWER_KINDS]
    Ticket.objects.bulk_update(tickets, ["answers"], batch_size=500)
    # Personal links stop working; the record of what was sent keeps no address.
    AccessToken.objects.filter(ticket__in=tickets).delete()
    AccessCode.objects.filter(ticket__in=tickets).delete()
    notifications = Notification.objects.filter(ticket__in=tickets, template__in=CITIZEN_TEMPLATES)
    notifications.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error="account deleted", next_attempt_at=None
    )
    notifications.update(recipient="", context={})
    Event.objects.bulk_create(
        Event(ticket=ticket, kind=EventKind.ACCOUNT_DELETED, actor_kind=AuthorKind.CITIZEN) for ticket in tickets
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
    citizen_tickets_reindex(ticket.pk for ticket in tickets)
