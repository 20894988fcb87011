"""Citizens' access to a ticket's dashboard without an account: personal links and one-time codes.

Secrets are only ever stored hashed. Personal-link tokens carry 256 random bits (plain SHA-256);
one-time codes are six digits, so they are keyed with the SECRET_KEY (HMAC), short-lived, bound
to their ticket and limited in attempts.
"""

import datetime
import enum
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.lib.tokens import new_token, token_hash, token_matches
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.notifications.services import notification_queue
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.models import AccessCode, AccessToken, Ticket, access_token_expiry


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


class LinkState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"  # expired or revoked: the citizen is offered a new code
    UNKNOWN = "unknown"


def access_token_check(*, ticket: Ticket, token: str) -> LinkState:
    """Whether ``token`` opens this ticket; a valid link lives GUICHET_ACCESS_LINK_DAYS more from now."""
    matched = None
    # Compare against every token of the ticket, in constant time each, without early exit.
    rows = AccessToken.objects.filter(ticket=ticket).values_list("pk", "token_hash", "expires_at", "revoked_at")
    for pk, stored, expires_at, revoked_at in rows:
        if token_matches(token, stored):
            matched = (pk, expires_at, revoked_at)
    if matched is None:
        return LinkState.UNKNOWN
    pk, expires_at, revoked_at = matched
    now = timezone.now()
    if revoked_at is not None or expires_at <= now:
        return LinkState.EXPIRED
    AccessToken.objects.filter(pk=pk).update(last_used_at=now, expires_at=access_token_expiry())
    return LinkState.VALID


def access_token_verify(*, ticket: Ticket, token: str) -> bool:
    return access_token_check(ticket=ticket, token=token) is LinkState.VALID


def access_tokens_revoke(*, ticket: Ticket) -> int:
    """Revoke every live personal link of the ticket (the citizen just proved who they are another way)."""
    return AccessToken.objects.filter(ticket=ticket, revoked_at__isnull=True).update(revoked_at=timezone.now())


CODE_LIFETIME = datetime.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3


class TooManyCodes(TicketActionError):
    refusal = "ticket_hourly"  # portal.models.RefusalReason
    default_message = _(
        "Plusieurs codes ont déjà été envoyés pour cette demande : attendez une heure avant d’en demander un autre."
    )


class CitizenDailyCap(TicketActionError):
    refusal = "citizen_daily"
    default_message = _(
        "Plusieurs codes vous ont déjà été envoyés aujourd’hui : utilisez le dernier reçu, ou réessayez demain."
    )


class DailyCap(TicketActionError):
    refusal = "global_daily"
    default_message = _(
        "L’envoi de codes est momentanément suspendu : réessayez demain, ou contactez la mairie "
        "en indiquant votre numéro de suivi."
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
    now = timezone.now()
    codes = Notification.objects.filter(template=Template.ACCESS_CODE)
    if codes.filter(ticket=ticket, created_at__gte=now - datetime.timedelta(hours=1)).count() >= CODES_PER_HOUR:
        raise TooManyCodes()
    channel, recipient = destination
    # References are public: without these caps anyone could have the town hall spam a citizen, or spend its
    # SMS budget. One citizen (or one address, whatever record holds it) and the whole commune, per 24 hours.
    today = codes.filter(created_at__gte=now - datetime.timedelta(days=1))
    if today.count() >= settings.GUICHET_ACCESS_CODE_DAILY:
        raise DailyCap()
    if today.filter(Q(ticket__citizen=ticket.citizen) | Q(recipient=recipient)).count() >= (
        settings.GUICHET_ACCESS_CODE_CITIZEN_DAILY
    ):
        raise CitizenDailyCap()
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
            # The citizen asked for a new way in: links sent before (perhaps forwarded or leaked) stop working.
            access_tokens_revoke(ticket=ticket)
            return True
        live.update(attempts=F("attempts") + 1)
        return False
