import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.tickets.models import Ticket


class InboundOutcome(models.TextChoices):
    NEW_TICKET = "new_ticket", _("Nouvelle demande")
    REPLY = "reply", _("Réponse ajoutée au fil")
    IGNORED = "ignored", _("Ignoré (réponse automatique, message en double…)")
    QUARANTINED = "quarantined", _("En quarantaine (à traiter par un agent)")


class QuarantineResolution(models.TextChoices):
    PENDING = "", _("À traiter")
    TICKETED = "ticketed", _("Transformé en demande")
    DISCARDED = "discarded", _("Écarté")


def _public_id() -> str:
    return secrets.token_urlsafe(16)


def _raw_path(instance: "InboundEmail", filename: str) -> str:
    return f"courriels/{timezone.now():%Y/%m}/{instance.public_id}.eml"


class InboundEmail(models.Model):
    """Every message received by email, once: fetching the same message again changes nothing.

    The raw message is kept when it could not become a ticket (quarantine) or when some of its
    attachments were set aside, so that nothing a person wrote is lost.
    """

    public_id = models.CharField(max_length=32, unique=True, default=_public_id, editable=False)
    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(_("expéditeur"), max_length=254)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("suite donnée"), max_length=12, choices=InboundOutcome.choices)
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    raw = models.FileField(_("message brut"), upload_to=_raw_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("taille"), default=0)
    set_aside = models.JSONField(_("pièces jointes mises de côté"), default=list, blank=True)
    resolution = models.CharField(
        _("traitement"), max_length=10, choices=QuarantineResolution.choices, default="", blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["outcome", "resolution"], name="inbound_quarantine_idx")]

    def __str__(self) -> str:
        return f"{self.sender} · {self.subject}"

    @property
    def in_quarantine(self) -> bool:
        return self.outcome == InboundOutcome.QUARANTINED and self.resolution == QuarantineResolution.PENDING


class Mailbox(models.Model):
    """An IMAP folder polled by ``fetch_mail``: what was imported is tracked by UIDVALIDITY + UID, not \\Seen."""

    key = models.CharField(max_length=255, unique=True)  # user@host:port/folder
    uid_validity = models.PositiveBigIntegerField(default=0)
    # Every UID up to this one is handled (imported, or recognised by its Message-ID).
    handled_through = models.PositiveBigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("boîte relevée")
        verbose_name_plural = _("boîtes relevées")

    def __str__(self) -> str:
        return self.key


class MailboxMessage(models.Model):
    """One message of a polled folder that Guichet has stored (whatever the outcome)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    uid_validity = models.PositiveBigIntegerField()
    uid = models.PositiveBigIntegerField()
    message_id = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid_validity", "uid"], name="mailbox_message_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uid_validity}/{self.uid}"
