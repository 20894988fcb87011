"""Verifying the profile's mobile number with a code sent by SMS."""

import datetime
import hashlib
import hmac
import secrets
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import PhoneVerification, User
from guichet.accounts.services import account_citizen
from guichet.lib.phones import is_mobile, parse_phone

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
    """Send a fresh code to the profile's mobile number; returns the number. Sent outside any transaction."""
    phone = account_citizen(user).phone
    number = parse_phone(phone) if phone else None
    if number is None or not is_mobile(number):
        raise PhoneVerificationError(_("Indiquez d’abord un numéro de téléphone portable dans votre profil."))
    since = timezone.now() - datetime.timedelta(hours=1)
    if PhoneVerification.objects.filter(user=user, created_at__gte=since).count() >= CODES_PER_HOUR:
        raise PhoneVerificationError(_("Trop de codes envoyés : réessayez dans une heure."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneVerification.objects.create(
        user=user, phone=phone, code_hash=_hash(user.pk, phone, code), expires_at=timezone.now() + CODE_LIFETIME
    )
    backend = import_module(f"guichet.notifications.transports.sms.{settings.SMS_BACKEND}")
    text = _("Votre code de vérification : %(code)s. Il est valable 15 minutes.") % {"code": code}
    backend.send_sms(to=phone, text=text, reference=f"phone-verification-{row.pk}")
    return phone


def phone_verification_check(*, user: User, code: str) -> bool:
    phone = account_citizen(user).phone
    with transaction.atomic():
        row = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, phone=phone, verified_at__isnull=True, expires_at__gt=timezone.now())
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
