"""The access log of personal data: who saw or took away which citizen's data, when (GDPR art. 5.2, 32)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("Consultation")
    LIST = "list", _("Liste")
    DOWNLOAD = "download", _("Téléchargement")
    EXPORT = "export", _("Export")
    RIGHT_OF_ACCESS = "right_of_access", _("Droit d'accès (copie des données)")
    RECTIFY = "rectify", _("Rectification")
    ERASE = "erase", _("Effacement")


class AccessObject(models.TextChoices):
    TICKET = "ticket", _("Demande")
    CITIZEN = "citizen", _("Usager")
    ATTACHMENT = "attachment", _("Pièce jointe")
    MAIL_ITEM = "mail_item", _("Courrier numérisé")
    INBOUND_EMAIL = "inbound_email", _("Courriel reçu")
    EXPORT = "export", _("Export de demandes")


class PersonalDataAccess(models.Model):
    """One row per page, file or API answer that showed personal data (a list is one row naming its items).

    ``object_id`` is the public identifier of the one thing shown (reference, public id); ``object_ids`` the
    identifiers a list showed, space-separated so that a search for one of them finds the list too.
    """

    at = models.DateTimeField(_("le"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    api_key = models.ForeignKey(
        "api.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("clé d'API")
    )
    # Who, in words, kept when the account or the key is deleted.
    actor = models.CharField(_("par"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    object_kind = models.CharField(_("objet"), max_length=20, choices=AccessObject.choices)
    object_id = models.CharField(_("identifiant"), max_length=64, blank=True)
    object_ids = models.TextField(_("identifiants listés"), blank=True)
    citizen = models.ForeignKey(
        "citizens.Citizen",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("usager"),
    )
    export = models.ForeignKey(
        "exports.Export", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("export")
    )
    path = models.CharField(_("adresse"), max_length=300, blank=True)
    detail = models.CharField(_("précision"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("accès à des données personnelles")
        verbose_name_plural = _("journal des accès aux données personnelles")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="access_log_at_idx"),
            models.Index(fields=["user", "at"], name="access_log_user_idx"),
            models.Index(fields=["object_kind", "object_id"], name="access_log_object_idx"),
            models.Index(fields=["action", "at"], name="access_log_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_kind} {self.object_id}"
