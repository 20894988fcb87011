"""Two-factor authentication of agents: a TOTP app (django-otp) and single-use recovery codes.

Who must use it: administrators and supervisors (and /admin/ staff) when GUICHET_2FA_REQUIRED is on;
any other agent who enrolled. The session remembers that its sign-in passed the check
(``SESSION_KEY``); ``middleware.TwoFactorMiddleware`` sends everyone else to the code or to enrolment.
"""

import enum

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import User
from guichet.organisation import roles
from guichet.signin.models import FailureReason
from guichet.signin.services import signin_failure_record

SESSION_KEY = "guichet_2fa"
DEVICE_NAME = "application"
RECOVERY_CODES = 10


class Step(enum.Enum):
    DONE = "done"
    VERIFY = "verify"  # enrolled: type a code
    ENROL = "enrol"  # required but not enrolled yet


def _stamp() -> str:
    # A change of policy makes every session check again.
    return "required" if settings.GUICHET_2FA_REQUIRED else "optional"


def twofactor_required(user: User | AnonymousUser) -> bool:
    if not settings.GUICHET_2FA_REQUIRED or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return roles.sees_all_services(user)


def twofactor_enrolled(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def twofactor_step(request: HttpRequest, user: User | AnonymousUser | None = None) -> Step:
    """What this signed-in session still has to do before anything else."""
    if request.session.get(SESSION_KEY) == _stamp():
        return Step.DONE
    user = user or request.user
    if twofactor_enrolled(user):
        return Step.VERIFY
    if twofactor_required(user):
        return Step.ENROL
    request.session[SESSION_KEY] = _stamp()
    return Step.DONE


def twofactor_enrolment_device(*, user: User) -> TOTPDevice:
    """The device being enrolled (kept across reloads so the QR code does not change)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).first()
    return device or TOTPDevice.objects.create(user=user, confirmed=False, name=DEVICE_NAME)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="codes de secours", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def twofactor_enrol_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with a code it shows; returns the new recovery codes, or None if the code is wrong."""
    with transaction.atomic():
        if not device.verify_token(_digits(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(device.user)
    otp_login(request, device)
    request.session[SESSION_KEY] = _stamp()
    return codes


def twofactor_recovery_codes_renew(*, user: User) -> list[str]:
    with transaction.atomic():
        return _new_recovery_codes(user)


def twofactor_verify(*, request: HttpRequest, code: str) -> bool:
    """A code from the app, or a recovery code (used once). Failures are logged and count toward the lock."""
    user = request.user
    code = code.strip().replace(" ", "").lower()
    with transaction.atomic():
        candidates = [
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
        ]
        device = next((d for d in candidates if d.verify_token(_digits(code) if _is_totp(d) else code)), None)
    if device is None:
        signin_failure_record(request=request, username=user.get_username(), reason=FailureReason.BAD_CODE)
        return False
    otp_login(request, device)
    request.session[SESSION_KEY] = _stamp()
    return True


def _is_totp(device: object) -> bool:
    return isinstance(device, TOTPDevice)


def _digits(code: str) -> str:
    return "".join(c for c in code if c.isdigit())


def twofactor_step_at_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)  # a new sign-in checks again
        twofactor_step(request, user)


def twofactor_vouched_by_provider(request: HttpRequest) -> None:
    """The directory's provider asserted a second factor (``amr``/``acr``): ours is not asked again."""
    request.session[SESSION_KEY] = _stamp()
