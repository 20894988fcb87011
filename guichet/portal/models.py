from django.db import models
from django.utils.translation import gettext_lazy as _


class RefusalReason(models.TextChoices):
    ADDRESS_RATE = "address_rate", _("Trop de demandes depuis une même adresse")
    NO_PROOF_RATE = "no_proof_rate", _("Trop de demandes sans preuve de travail depuis une même adresse")
    BAD_PROOF = "bad_proof", _("Preuve de travail fausse ou rejouée")
    TICKET_HOURLY = "ticket_hourly", _("Trop de codes pour une même demande dans l’heure")
    CITIZEN_DAILY = "citizen_daily", _("Plafond quotidien d’un usager atteint")
    GLOBAL_DAILY = "global_daily", _("Plafond quotidien de la commune atteint")


class Refusal(models.Model):
    """How many requests for an access code were refused, per day and reason (read in /admin/)."""

    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=20, choices=RefusalReason.choices)
    count = models.PositiveIntegerField(_("refus"), default=0)

    class Meta:
        verbose_name = _("refus d’envoi de code")
        verbose_name_plural = _("refus d’envoi de code")
        ordering = ["-day", "reason"]
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="portal_refusal_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.get_reason_display()} · {self.count}"
