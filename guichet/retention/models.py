"""Retention policies: how long a request type's tickets keep personal data after they end, and what then.

A request type without a policy follows the commune's default (``Commune.retention_months`` and
``retention_action``).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import RequestType
from guichet.organisation.models import KeptWithCommune, RetentionAction


class RetentionPolicy(KeptWithCommune, models.Model):
    # The notices read the policies cached on the commune (retention.policies.cached_policies_by_type).
    request_type = models.OneToOneField(
        RequestType, on_delete=models.CASCADE, related_name="retention_policy", verbose_name=_("démarche")
    )
    months = models.PositiveSmallIntegerField(
        _("conservation (mois après la clôture)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    action = models.CharField(
        _("à l'échéance"), max_length=10, choices=RetentionAction.choices, default=RetentionAction.ANONYMISE
    )

    class Meta:
        verbose_name = _("durée de conservation")
        verbose_name_plural = _("durées de conservation")

    def __str__(self) -> str:
        return f"{self.request_type} : {self.months} mois"
