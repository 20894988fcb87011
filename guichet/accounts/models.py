from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """Every person who logs in: agents and citizen accounts (one table; an agent also has an ``Agent`` row)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class TicketSeen(models.Model):
    """When an account holder last opened a ticket's dashboard: later agent replies show as unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="ticket_seen_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.ticket_id} · {self.seen_at:%d/%m/%Y %H:%M}"


class PhoneVerification(models.Model):
    """A six-digit code sent by SMS to the profile's mobile number; once entered, the number is verified.

    Only a keyed hash of the code is kept, set by the worker when it sends the SMS (empty until then). A verified number lets the holder claim earlier tickets
    sent with it (``accounts.selectors.claimable_tickets``) — the number must still be the profile's.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "phone", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.phone} · {self.created_at:%d/%m/%Y %H:%M}"

    @staticmethod
    def notification_key(verification_id: int) -> str:
        """The idempotency key of the notification that sends its code."""
        return f"phone-verification:{verification_id}"
