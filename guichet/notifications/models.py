import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.tickets.models import Ticket


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")


class Template(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Accusé de réception")
    AGENT_REPLY = "agent_reply", _("Réponse de la mairie")
    INFO_REQUESTED = "info_requested", _("Demande de complément")
    STATUS_CHANGED = "status_changed", _("Changement de statut")
    ACCESS_CODE = "access_code", _("Code d'accès à usage unique")
    REMINDER = "reminder", _("Rappel : la mairie attend votre réponse")
    CITIZEN_REPLIED = "citizen_replied", _("Alerte agent : nouveau message de l'usager")
    TICKET_ENTERED_SERVICE = "ticket_entered_service", _("Alerte agent : nouvelle demande pour le service")
    AGENT_DIGEST = "agent_digest", _("Récapitulatif quotidien des alertes")
    PHONE_VERIFICATION = "phone_verification", _("Code de vérification du numéro de téléphone")
    IMPLICIT_DECISION = "implicit_decision", _("Décision implicite (acceptation ou rejet)")
    IMPLICIT_DECISION_NEAR = "implicit_decision_near", _("Alerte agent : décision implicite proche")
    SURVEY = "survey", _("Questionnaire de satisfaction")
    TARGET_AT_RISK = "target_at_risk", _("Alerte agent : objectif bientôt dépassé")
    TARGET_MISSED = "target_missed", _("Alerte responsable : objectif dépassé")
    RETENTION_NOTICE = "retention_notice", _("Avis avant effacement des données de la demande")
    FOLLOWER_ADDED = "follower_added", _("« Moi aussi » : vous suivez une demande")
    FOLLOWER_UPDATE = "follower_update", _("Une demande que vous suivez a avancé")


# These go to the citizen and carry a fresh personal link.
CITIZEN_TEMPLATES = frozenset(
    {
        Template.ACKNOWLEDGEMENT,
        Template.AGENT_REPLY,
        Template.INFO_REQUESTED,
        Template.STATUS_CHANGED,
        Template.REMINDER,
        Template.IMPLICIT_DECISION,
    }
)
# These go to a ticket's followers (tickets.TicketFollower, issue 17): no personal link, since the ticket's
# thread is its author's; the public tracking page only. The follower's Citizen is ``context["follower"]``.
FOLLOWER_TEMPLATES = frozenset({Template.FOLLOWER_ADDED, Template.FOLLOWER_UPDATE})


class FollowerChange:
    """What a follower's update says happened (``context["change"]``), beyond the ticket's status."""

    IMPLICIT_ACCEPTANCE = "implicit_acceptance"  # the commune's silence accepted the request (CRPA L231-1)
    IMPLICIT_REJECTION = "implicit_rejection"  # its silence rejected it (L231-4)
    REOPENED = "reopened"  # an ended or answered request is handled again
    MERGED = "merged"  # the followed request was a duplicate: they now follow the kept one (``duplicate``)


# These go to the citizen with the link of a satisfaction survey instead of a personal link.
SURVEY_TEMPLATES = frozenset({Template.SURVEY})
# These go to agents and link to the back office.
AGENT_TEMPLATES = frozenset(
    {
        Template.CITIZEN_REPLIED,
        Template.TICKET_ENTERED_SERVICE,
        Template.AGENT_DIGEST,
        Template.TARGET_AT_RISK,
        Template.TARGET_MISSED,
        Template.IMPLICIT_DECISION_NEAR,
    }
)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente d'envoi")
    SENDING = "sending", _("Envoi en cours")
    SENT = "sent", _("Envoyée")
    FAILED = "failed", _("En échec")
    HELD = "held", _("En attente du récapitulatif")
    DIGESTED = "digested", _("Envoyée dans un récapitulatif")


class Notification(models.Model):
    """Every outbound message: who, how, what, and how its delivery went."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    template = models.CharField(_("modèle"), max_length=30, choices=Template.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("destinataire"), max_length=254)
    context = models.JSONField(default=dict, blank=True)
    # One notification per business fact, whatever retries or re-enqueues happen.
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    provider_message_id = models.CharField(_("identifiant chez le prestataire"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    # Set by the SMS provider's delivery report, when it tells us the phone received the message.
    delivered_at = models.DateTimeField(_("remise confirmée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["status", "recipient"])]

    def __str__(self) -> str:
        return f"{self.get_template_display()} → {self.recipient}"

    @property
    def for_citizen(self) -> bool:
        return self.template in CITIZEN_TEMPLATES or self.template in SURVEY_TEMPLATES

    @property
    def for_agent(self) -> bool:
        return self.template in AGENT_TEMPLATES


class DeliveryAttempt(models.Model):
    """One try at sending a notification: when, how it ended, what the provider said."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveSmallIntegerField(_("tentative n°"))
    started_at = models.DateTimeField(_("commencée le"))
    finished_at = models.DateTimeField(_("terminée le"), default=timezone.now)
    succeeded = models.BooleanField(_("réussie"))
    error = models.TextField(_("erreur"), blank=True)
    provider_message_id = models.CharField(_("identifiant chez le prestataire"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["notification", "number"]

    def __str__(self) -> str:
        return f"{self.notification_id} #{self.number}"


class TemplateOverride(models.Model):
    """The commune's own wording for one notification and channel; the files in templates/ are the defaults."""

    template = models.CharField(_("modèle"), max_length=30, choices=Template.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=NotificationChannel.choices)
    subject = models.CharField(_("objet (courriel)"), max_length=250, blank=True)
    text = models.TextField(
        _("texte"), help_text=_("Langage des gabarits Django, mêmes variables que le modèle par défaut.")
    )
    html = models.TextField(_("HTML (courriel)"), blank=True, help_text=_("Vide : le texte, mis en forme simplement."))
    is_active = models.BooleanField(_("actif"), default=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("texte de notification personnalisé")
        verbose_name_plural = _("textes de notification personnalisés")
        constraints = [
            models.UniqueConstraint(fields=["template", "channel"], name="one_override_per_template_channel")
        ]

    def __str__(self) -> str:
        return f"{self.get_template_display()} ({self.get_channel_display()})"

    def clean(self) -> None:
        from django.template import TemplateSyntaxError, engines

        for name in ("subject", "text", "html"):
            try:
                engines["django"].from_string(getattr(self, name))
            except TemplateSyntaxError as error:
                raise ValidationError({name: _("Erreur dans le gabarit : %(error)s") % {"error": error}}) from None
        if self.channel == NotificationChannel.EMAIL and not self.subject:
            raise ValidationError({"subject": _("Un courriel a besoin d’un objet.")})


class WorkerHeartbeat(models.Model):
    """A task worker (``guichet_worker``) and when it last said it was alive: the tasks of a silent one are retried."""

    worker_id = models.CharField(_("identifiant du worker"), max_length=64, unique=True)
    hostname = models.CharField(_("machine"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("processus"), null=True, blank=True)
    started_at = models.DateTimeField(_("démarré le"), default=timezone.now)
    seen_at = models.DateTimeField(_("vu en vie le"), default=timezone.now)
    stopped_at = models.DateTimeField(_("arrêté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker des tâches")
        verbose_name_plural = _("workers des tâches")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class JobLease(models.Model):
    """Who runs a job that must run on one node at a time, until when (``notifications.locks``, SQLite only:
    PostgreSQL takes an advisory lock, released with the connection that holds it)."""

    name = models.CharField(_("tâche"), max_length=200, unique=True)
    holder = models.CharField(_("détenteur"), max_length=100)
    expires_at = models.DateTimeField(_("expire le"))

    class Meta:
        verbose_name = _("verrou de tâche")
        verbose_name_plural = _("verrous de tâches")

    def __str__(self) -> str:
        return self.name
