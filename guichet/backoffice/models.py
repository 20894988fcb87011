import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.organisation.models import Service

PLACEHOLDERS = {
    "reference": _("numéro de suivi"),
    "usager": _("nom de l'usager"),
    "demarche": _("démarche"),
    "echeance": _("date de réponse prévue"),
    "service": _("service"),
    "agent": _("nom de l'agent"),
}
PLACEHOLDER_PATTERN = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class ReplyTemplateQuerySet(models.QuerySet["ReplyTemplate"]):
    def for_service(self, service: Service) -> "ReplyTemplateQuerySet":
        return self.filter(is_active=True).filter(models.Q(service=service) | models.Q(service__isnull=True))


class ReplyTemplate(models.Model):
    """A ready-made answer; agents pick it, read the filled-in text, edit it and send it."""

    title = models.CharField(_("titre"), max_length=120)
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("service"),
        help_text=_("Vide : proposé à tous les services."),
    )
    body = models.TextField(
        _("texte"),
        help_text=_(
            "Champs remplis automatiquement : {{ reference }} (numéro de suivi), {{ usager }}, {{ demarche }}, "
            "{{ echeance }} (date de réponse prévue), {{ service }}, {{ agent }}."
        ),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = ReplyTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("modèle de réponse")
        verbose_name_plural = _("modèles de réponse")
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        unknown = sorted({name for name in PLACEHOLDER_PATTERN.findall(self.body)} - set(PLACEHOLDERS))
        if unknown:
            raise ValidationError(
                {
                    "body": _("Champs inconnus : %(unknown)s. Champs disponibles : %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
                }
            )
