"""API keys: who may call the partner APIs, with which scopes. Only a hash of each secret is kept."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    OPEN311_WRITE = "open311:write", _("Open311 : déposer des demandes")
    CATALOGUE_READ = "catalogue:read", _("API : lire le catalogue et les services")
    TICKETS_READ = "tickets:read", _("API : lire les demandes")
    TICKETS_WRITE = "tickets:write", _("API : créer et traiter des demandes")
    STATS_READ = "stats:read", _("API : lire les statistiques (sans données personnelles)")


# Scopes that read or change tickets act as an agent and follow that agent's access rule.
AGENT_SCOPES = frozenset({Scope.TICKETS_READ, Scope.TICKETS_WRITE, Scope.STATS_READ})


class ApiKeyQuerySet(models.QuerySet):
    def usable(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A partner's or an agent's key. The secret is shown once, at creation; ``prefix`` finds the row."""

    name = models.CharField(_("nom"), max_length=100, help_text=_("Application ou partenaire qui utilise la clé."))
    owner = models.CharField(
        _("responsable"), max_length=200, help_text=_("Organisme ou personne à contacter au sujet de cette clé.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("agit en tant que"),
        help_text=_("Agent dont la clé reprend les droits. Obligatoire pour lire ou traiter des demandes."),
    )
    scopes = models.JSONField(_("droits"), default=list)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        unknown = set(self.scopes or []) - set(Scope.values)
        if unknown:
            raise ValidationError(
                {"scopes": _("Droits inconnus : %(scopes)s") % {"scopes": ", ".join(sorted(unknown))}}
            )
        if AGENT_SCOPES & set(self.scopes or []) and self.user_id is None:
            raise ValidationError({"user": _("Choisissez l'agent dont la clé reprend les droits.")})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes
