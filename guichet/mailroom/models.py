"""Scanned letters waiting to be qualified, their pages, and the letters the town hall sends back by post."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.citizens.models import Citizen
from guichet.tickets.models import Message, Ticket


def _public_id() -> str:
    return secrets.token_urlsafe(12)


def _scan_path(instance: models.Model, filename: str) -> str:
    # Random names, like ticket attachments: the stored path reveals neither the sender nor the content.
    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class MailStatus(models.TextChoices):
    TO_QUALIFY = "to_qualify", _("À qualifier")
    QUALIFIED = "qualified", _("Qualifié")
    SPLIT = "split", _("Découpé en plusieurs courriers")


class OcrStatus(models.TextChoices):
    PENDING = "pending", _("Lecture en attente")
    DONE = "done", _("Texte reconnu")
    UNAVAILABLE = "unavailable", _("OCR indisponible")
    FAILED = "failed", _("Lecture impossible")


class MailSource(models.TextChoices):
    UPLOAD = "upload", _("Déposé à l'écran")
    IMPORT = "import", _("Dossier du scanner")
    SPLIT = "split", _("Découpage d'un scan")


class MailItem(models.Model):
    """One scanned file: a letter (or several, until split) received by the town hall."""

    public_id = models.CharField(max_length=20, unique=True, default=_public_id, editable=False)
    file = models.FileField(upload_to=_scan_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    # The same file imported twice is the same item: the import is idempotent by content.
    sha256 = models.CharField(max_length=64, unique=True)
    page_count = models.PositiveSmallIntegerField(_("pages"))
    source = models.CharField(_("origine"), max_length=10, choices=MailSource.choices)
    received_on = models.DateField(_("reçu le"), default=timezone.localdate)
    status = models.CharField(_("statut"), max_length=12, choices=MailStatus.choices, default=MailStatus.TO_QUALIFY)
    ocr_status = models.CharField(_("lecture"), max_length=12, choices=OcrStatus.choices, default=OcrStatus.PENDING)
    ocr_message = models.CharField(_("message de lecture"), max_length=300, blank=True)
    ocr_text = models.TextField(_("texte reconnu"), blank=True)
    # Folded text for the mail room's own search (lib.text.fold).
    search_text = models.TextField(blank=True, default="", editable=False)
    # The scan with a text layer (PDF), when the OCR made one; the original file is kept untouched.
    searchable_pdf = models.FileField(upload_to=_scan_path, max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="parts", verbose_name=_("scan d'origine")
    )
    first_page = models.PositiveSmallIntegerField(null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="mail_items", verbose_name=_("demande")
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    qualified_at = models.DateTimeField(_("qualifié le"), null=True, blank=True)
    qualified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("qualifié par"),
    )

    class Meta:
        verbose_name = _("courrier reçu")
        verbose_name_plural = _("courriers reçus")
        ordering = ["received_on", "created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "received_on", "created_at"]),
            models.Index(fields=["ocr_status"]),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.received_on:%d/%m/%Y})"

    @property
    def age_days(self) -> int:
        return (timezone.localdate() - self.received_on).days

    @property
    def is_open(self) -> bool:
        return self.status == MailStatus.TO_QUALIFY


def _page_path(instance: models.Model, filename: str) -> str:
    return f"mail/pages/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class MailPage(models.Model):
    """A page of a scan: its PNG preview for the browser and the text read on it."""

    item = models.ForeignKey(MailItem, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveSmallIntegerField(_("page"))
    image = models.FileField(upload_to=_page_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="mail_page_unique_number")]

    def __str__(self) -> str:
        return f"{self.item} p. {self.number}"


class LetterStatus(models.TextChoices):
    TO_PRINT = "to_print", _("À imprimer")
    SENT = "sent", _("Envoyé")


def _letter_path(instance: models.Model, filename: str) -> str:
    return f"letters/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class Letter(models.Model):
    """An answer the town hall sends by post: a PDF for a window envelope, printed and posted by the mail room."""

    public_id = models.CharField(max_length=20, unique=True, default=_public_id, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="letters")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="letter")
    template = models.CharField(max_length=30)
    # The address as it was when the answer was written: the letter is what was sent.
    recipient_name = models.CharField(_("destinataire"), max_length=200)
    address_lines = models.JSONField(_("adresse"), default=list)
    pdf = models.FileField(upload_to=_letter_path, max_length=200, blank=True)
    # The satisfaction survey's code is printed on it (an answer by post): drawn when the PDF is made.
    carries_survey = models.BooleanField(_("avec le questionnaire de satisfaction"), default=False)
    # A letter to one of the ticket's followers (issue 17), not to its author: it never quotes the author's
    # thread, and its copy on the ticket is for agents only. Their erasure takes their letters with them.
    follower = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("personne concernée")
    )
    # What the follower's letter says happened (notifications.models.FollowerChange, the other ticket's number).
    context = models.JSONField(default=dict, blank=True)
    # The notification's key for a follower's letter: one letter per follower and fact, however often it is asked.
    key = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(_("statut"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.TO_PRINT)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("posté le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("courrier à envoyer")
        verbose_name_plural = _("courriers à envoyer")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="letter_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference_display} → {self.recipient_name}"
