"""Citizens' access to a ticket's dashboard without an account: personal links and one-time codes.

Secrets are only ever stored hashed. Personal-link tokens carry 256 random bits (plain SHA-256);
one-time codes are six digits, so they are keyed with the SECRET_KEY (HMAC), short-lived, bound
to their ticket and limited in attempts.
"""

import datetime
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.lib.tokens import new_token, token_hash, token_matches
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.notifications.services import notification_queue
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.models import AccessCode, AccessToken, Ticket


def access_token_issue(*, ticket: Ticket, nbytes: int = 32) -> str:
    """A new personal link secret for this ticket; only its hash is kept (128 bits at least: SMS links)."""
    token = new_token(max(nbytes, 16))
    AccessToken.objects.create(ticket=ticket, token_hash=token_hash(token))
    return token


def access_token_withdraw(*, ticket: Ticket, token: str) -> None:
    AccessToken.objects.filter(ticket=ticket, token_hash=token_hash(token)).delete()


def _ticket_of(notification: Notification) -> Ticket:
    if notification.ticket is None:
        raise ValueError("a ticket's credential is minted for a notification about a ticket")
    return notification.ticket


def personal_link_mint(notification: Notification) -> str:
    """At send time, the personal link a citizen's message carries (registered with notifications)."""
    # An SMS carries a shorter link (128 random bits) so that the message fits in two parts.
    nbytes = 16 if notification.channel == NotificationChannel.SMS else 32
    return access_token_issue(ticket=_ticket_of(notification), nbytes=nbytes)


def personal_link_withdraw(notification: Notification, token: str) -> None:
    access_token_withdraw(ticket=_ticket_of(notification), token=token)


def access_token_verify(*, ticket: Ticket, token: str) -> bool:
    matched = None
    # Compare against every token of the ticket, in constant time each, without early exit.
    for pk, stored in AccessToken.objects.filter(ticket=ticket).values_list("pk", "token_hash"):
        if token_matches(token, stored):
            matched = pk
    if matched is None:
        return False
    AccessToken.objects.filter(pk=matched).update(last_used_at=timezone.now())
    return True


CODE_LIFETIME = datetime.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3


class TooManyCodes(TicketActionError):
    default_message = _(
        "Plusieurs codes ont déjà été envoyés pour cette demande : attendez une heure avant d’en demander un autre."
    )


class NoContactOnFile(TicketActionError):
    default_message = _(
        "Nous n’avons ni adresse électronique ni numéro de portable pour cette demande : contactez la mairie."
    )


def _code_hash(ticket_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{ticket_id}:{code}".encode(), hashlib.sha256).hexdigest()


def access_code_destination(ticket: Ticket) -> tuple[str, str] | None:
    """(channel, address) where a code for this ticket goes: the citizen's preference, else what is on file."""
    citizen = ticket.citizen
    if citizen is None:
        return None
    if citizen.wants_sms or (citizen.phone and not citizen.email):
        return NotificationChannel.SMS, citizen.phone
    if citizen.email:
        return NotificationChannel.EMAIL, citizen.email
    return None


def access_code_request(*, ticket: Ticket) -> None:
    """Queue a message carrying a new code; the worker mints the code when it sends it."""
    destination = access_code_destination(ticket)
    if destination is None:
        raise NoContactOnFile()
    recent = Notification.objects.filter(
        ticket=ticket, template=Template.ACCESS_CODE, created_at__gte=timezone.now() - datetime.timedelta(hours=1)
    )
    if recent.count() >= CODES_PER_HOUR:
        raise TooManyCodes()
    channel, recipient = destination
    notification_queue(
        ticket=ticket,
        template=Template.ACCESS_CODE,
        channel=channel,
        recipient=recipient,
        idempotency_key=f"{ticket.reference}:code:{uuid.uuid4()}",
        context={},
    )


def access_code_issue(*, ticket: Ticket) -> str:
    code = f"{secrets.randbelow(1_000_000):06d}"
    AccessCode.objects.create(
        ticket=ticket, code_hash=_code_hash(ticket.pk, code), expires_at=timezone.now() + CODE_LIFETIME
    )
    return code


def access_code_withdraw(*, ticket: Ticket, code: str) -> None:
    AccessCode.objects.filter(ticket=ticket, code_hash=_code_hash(ticket.pk, code)).delete()


def access_code_mint(notification: Notification) -> str:
    return access_code_issue(ticket=_ticket_of(notification))


def access_code_unmint(notification: Notification, code: str) -> None:
    access_code_withdraw(ticket=_ticket_of(notification), code=code)


def access_code_verify(*, ticket: Ticket, code: str) -> bool:
    code = "".join(c for c in code if c.isdigit())
    with transaction.atomic():
        live = AccessCode.objects.select_for_update().filter(
            ticket=ticket, used_at__isnull=True, expires_at__gt=timezone.now(), attempts__lt=CODE_MAX_ATTEMPTS
        )
        matched = [c for c in live if hmac.compare_digest(c.code_hash, _code_hash(ticket.pk, code))]
        if matched:
            AccessCode.objects.filter(pk=matched[0].pk).update(used_at=timezone.now())
            return True
        live.update(attempts=F("attempts") + 1)
        return False
