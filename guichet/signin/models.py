"""Agents' sign-in: failed attempts (kept for the administrator to read) and per-account locks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FailureReason(models.TextChoices):
    BAD_PASSWORD = "bad_password", _("Identifiant ou mot de passe incorrect")
    LOCKED = "locked", _("Compte verrouillé (tentative refusée sans vérification)")
    BAD_CODE = "bad_code", _("Code de double authentification incorrect")


class SignInFailure(models.Model):
    """One refused sign-in attempt, as the administrator reads it in /admin/."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    username = models.CharField(_("identifiant saisi"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=20, choices=FailureReason.choices)
    path = models.CharField(_("page"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("échec de connexion")
        verbose_name_plural = _("échecs de connexion")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} · {self.at:%d/%m/%Y %H:%M}"


class SignInLock(models.Model):
    """Failures since the last success for one user name, and how long it is locked (delay doubling each time)."""

    username = models.CharField(_("identifiant"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("échecs depuis le dernier verrouillage"), default=0)
    locks = models.PositiveIntegerField(_("verrouillages successifs"), default=0)
    locked_until = models.DateTimeField(_("verrouillé jusqu’à"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("dernier échec"), default=timezone.now)

    class Meta:
        verbose_name = _("verrouillage de compte")
        verbose_name_plural = _("verrouillages de comptes")

    def __str__(self) -> str:
        return self.username
