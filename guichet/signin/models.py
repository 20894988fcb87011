"""Agents' sign-in: failed attempts (kept for the administrator to read), per-account locks, and the commune's
directory (OpenID Connect or LDAP): where an agent's account comes from and which groups give which rights.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.organisation.models import Role, Service


class FailureReason(models.TextChoices):
    BAD_PASSWORD = "bad_password", _("Identifiant ou mot de passe incorrect")
    LOCKED = "locked", _("Compte verrouillé (tentative refusée sans vérification)")
    BAD_CODE = "bad_code", _("Code de double authentification incorrect")
    NO_GROUP = "no_group", _("Annuaire : dans aucun groupe donnant accès à Guichet")
    DEACTIVATED = "deactivated", _("Annuaire : compte désactivé dans Guichet")
    DIRECTORY_ERROR = "directory_error", _("Annuaire : réponse refusée (état, nonce, signature, émetteur)")


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


class DirectorySource(models.TextChoices):
    OIDC = "oidc", _("Annuaire OpenID Connect")
    LDAP = "ldap", _("Annuaire LDAP")


class DirectoryAccount(models.Model):
    """An agent's account that the commune's directory created and keeps in step (its origin, shown in the admin)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="directory_account",
        verbose_name=_("compte"),
    )
    source = models.CharField(_("origine"), max_length=10, choices=DirectorySource.choices)
    # OIDC: the issuer and the ``sub`` claim; LDAP: the users' base DN and the user name.
    issuer = models.CharField(_("émetteur"), max_length=255)
    subject = models.CharField(_("identifiant dans l’annuaire"), max_length=255)
    groups = models.JSONField(_("groupes à la dernière connexion"), default=list, blank=True)
    synced_at = models.DateTimeField(_("dernière synchronisation"), default=timezone.now)

    class Meta:
        verbose_name = _("compte de l’annuaire")
        verbose_name_plural = _("comptes de l’annuaire")
        constraints = [
            models.UniqueConstraint(fields=["source", "issuer", "subject"], name="directory_account_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.subject}"


class DirectoryGroupMapping(models.Model):
    """A directory group and what its members get: a role and services. An agent in no mapped group is refused."""

    group = models.CharField(
        _("groupe de l’annuaire"),
        max_length=255,
        unique=True,
        help_text=_(
            "Tel que l’annuaire l’envoie : nom du groupe (Keycloak, LemonLDAP::NG), identifiant d’objet (Entra ID), "
            "DN complet ou nom (LDAP)."
        ),
    )
    role = models.CharField(
        _("rôle"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_(
            "Vide : ce groupe ne donne que des services. Un agent dans plusieurs groupes a le rôle le plus étendu."
        ),
    )
    services = models.ManyToManyField(Service, related_name="+", blank=True, verbose_name=_("services"))

    class Meta:
        verbose_name = _("groupe de l’annuaire")
        verbose_name_plural = _("groupes de l’annuaire")
        ordering = ["group"]

    def __str__(self) -> str:
        return self.group
