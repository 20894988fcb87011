from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.tickets.models import Ticket


class InboundOutcome(models.TextChoices):
    NEW_TICKET = "new_ticket", _("Nouvelle demande")
    REPLY = "reply", _("Réponse ajoutée au fil")
    IGNORED = "ignored", _("Ignoré (réponse automatique, message en double…)")


class InboundEmail(models.Model):
    """Every message received by email, once: fetching the same message again changes nothing."""

    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(_("expéditeur"), max_length=254)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("suite donnée"), max_length=12, choices=InboundOutcome.choices)
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)

    class Meta:
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender} · {self.subject}"
