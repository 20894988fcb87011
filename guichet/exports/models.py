"""One row per export: the audit record (who, which tickets, how many rows, which format) and, for the
large ones built by the worker, the file and its progress."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX (Excel)"
    ODS = "ods", "ODS (LibreOffice)"


class ExportStatus(models.TextChoices):
    STREAMED = "streamed", _("Téléchargé directement")
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec")
    EXPIRED = "expired", _("Fichier supprimé")


class Export(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandé par")
    )
    source = models.CharField(_("origine"), max_length=30)
    filters = models.JSONField(_("filtres"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    separator = models.CharField(_("séparateur"), max_length=1, default=",")
    with_citizen = models.BooleanField(_("avec les coordonnées des usagers"), default=False)
    row_count = models.PositiveIntegerField(_("lignes"))
    rows_done = models.PositiveIntegerField(_("lignes écrites"), default=0)
    status = models.CharField(_("état"), max_length=10, choices=ExportStatus.choices)
    file = models.FileField(_("fichier"), upload_to="exports/", blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("fichier supprimé après"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="exports_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.format} ({self.row_count})"

    @property
    def filename(self) -> str:
        return f"demandes-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.{self.format}"

    @property
    def percent_done(self) -> int:
        return min(100, 100 * self.rows_done // self.row_count) if self.row_count else 100
