"""Verifying the profile's mobile number with a code sent by SMS."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import PhoneVerification, User
from guichet.accounts.services import account_citizen
from guichet.lib.phones import is_mobile, parse_phone
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.notifications.services import notification_queue

CODE_LIFETIME = datetime.timedelta(minutes=15)
CODES_PER_HOUR = 3
MAX_ATTEMPTS = 5


class PhoneVerificationError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _hash(user_id: int, phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{user_id}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_verification_send(*, user: User) -> str:
    """Queue a fresh code for the profile's mobile number (the worker sends it); returns the number.

    The code itself is drawn by the worker when it sends the SMS (``phone_verification_code_issue``), like
    a ticket's access code: only its keyed hash is ever stored, never the code, neither in the notification's
    context nor in the task's arguments (the database task queue keeps those).
    """
    phone = account_citizen(user).phone
    number = parse_phone(phone) if phone else None
    if number is None or not is_mobile(number):
        raise PhoneVerificationError(_("Indiquez d’abord un numéro de téléphone portable dans votre profil."))
    since = timezone.now() - datetime.timedelta(hours=1)
    with transaction.atomic():
        if PhoneVerification.objects.filter(user=user, created_at__gte=since).count() >= CODES_PER_HOUR:
            raise PhoneVerificationError(_("Trop de codes envoyés : réessayez dans une heure."))
        row = PhoneVerification.objects.create(
            user=user, phone=phone, code_hash="", expires_at=timezone.now() + CODE_LIFETIME
        )
        notification_queue(
            ticket=None,
            template=Template.PHONE_VERIFICATION,
            channel=NotificationChannel.SMS,
            recipient=phone,
            idempotency_key=PhoneVerification.notification_key(row.pk),
            context={"verification": row.pk},
        )
    return phone


def phone_verification_code_issue(*, verification_id: int | None) -> str | None:
    """In the worker, inside the claim of the notification: a fresh code; its hash replaces any earlier one.

    None when the verification is gone (account deleted) or already done. Each attempt draws a new code,
    so a retry after a failed send never needs the earlier one.
    """
    if verification_id is None:
        return None
    row = PhoneVerification.objects.select_for_update().filter(pk=verification_id, verified_at__isnull=True).first()
    if row is None:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    row.code_hash = _hash(row.user_id, row.phone, code)
    row.expires_at = timezone.now() + CODE_LIFETIME  # from the sending, not from the request
    row.save(update_fields=["code_hash", "expires_at"])
    return code


def phone_verification_code_withdraw(*, verification_id: int | None) -> None:
    """The SMS was not sent: its code must not work."""
    if verification_id is not None:
        PhoneVerification.objects.filter(pk=verification_id).update(code_hash="")


def phone_verification_mint(notification: Notification) -> str | None:
    """The code of a ``phone_verification`` SMS, at send time (registered with notifications)."""
    return phone_verification_code_issue(verification_id=notification.context.get("verification"))


def phone_verification_unmint(notification: Notification, code: str) -> None:
    phone_verification_code_withdraw(verification_id=notification.context.get("verification"))


def phone_verification_check(*, user: User, code: str) -> bool:
    phone = account_citizen(user).phone
    with transaction.atomic():
        row = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, phone=phone, verified_at__isnull=True, expires_at__gt=timezone.now())
            .exclude(code_hash="")  # a code still waiting in the queue, or withdrawn
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= MAX_ATTEMPTS:
            return False
        if not hmac.compare_digest(row.code_hash, _hash(user.pk, phone, code.strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            return False
        row.verified_at = timezone.now()
        row.save(update_fields=["verified_at"])
    return True
