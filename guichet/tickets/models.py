import datetime
import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.lib import references
from guichet.organisation.models import Service
from guichet.tickets import permissions
from guichet.tickets.lifecycle import CITIZEN_STATUS_LABELS, OPEN_STATUSES, Channel, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from guichet.accounts.models import User

# Every status that ends a ticket's handling: ``closed_at`` is set on these, and only on these.
ENDED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED})


def open_condition() -> models.Q:
    """A ticket still in the town hall's hands (``Ticket.is_open``)."""
    return models.Q(status__in=OPEN_STATUSES)


def overdue_condition(today: datetime.date | None = None) -> models.Q:
    """Open past its due date: the due date itself is still on time (``Ticket.is_overdue``)."""
    return open_condition() & models.Q(due_date__lt=today or timezone.localdate())


class TicketQuerySet(models.QuerySet):
    """The reads every page and API shares: one definition of open, overdue and who sees what."""

    def open(self) -> "TicketQuerySet":
        return self.filter(open_condition())

    def ended(self) -> "TicketQuerySet":
        return self.exclude(open_condition())

    def overdue(self, today: datetime.date | None = None) -> "TicketQuerySet":
        return self.filter(overdue_condition(today))

    def due_between(self, first: datetime.date, last: datetime.date) -> "TicketQuerySet":
        """Open and due from ``first`` to ``last``, both included."""
        return self.open().filter(due_date__gte=first, due_date__lte=last)

    def visible_to(self, user: "User | AnonymousUser") -> "TicketQuerySet":
        """The tickets ``user`` may see, by the one rule of ``tickets.permissions``."""
        condition = permissions.visible_condition(user)
        return self.none() if condition is None else self.filter(condition)


class Ticket(models.Model):
    reference = models.CharField(_("numéro de suivi"), max_length=references.LENGTH, unique=True)
    request_type = models.ForeignKey(
        RequestType, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("démarche")
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("service"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("agent en charge"),
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("usager")
    )
    # Espace famille: the member of the citizen's household the request is about.
    household_member = models.ForeignKey(
        "households.HouseholdMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("membre du foyer concerné"),
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    subject = models.CharField(_("objet"), max_length=200)
    answers = models.JSONField(_("réponses au formulaire"), default=list, blank=True)
    # Folded text for the agents' search (see tickets/search.py), kept up to date by the services.
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mise à jour le"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("statut changé le"), default=timezone.now)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    due_date = models.DateField(_("date de réponse prévue"))
    # Requests that call for a decision (request type's legal regime SVA or SVR): the day the commune's
    # silence becomes an implicit decision; moved while the clock is suspended (CRPA L114-5).
    implicit_decision_on = models.DateField(_("date de décision implicite"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entered_tickets",
        verbose_name=_("saisie par"),
    )
    # The partner application that submitted it (channel "api").
    api_key = models.ForeignKey(
        "api.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("déposée par l'application"),
    )
    # Makes a double click or a re-POST of the same form land on the same ticket.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["service", "status", "due_date"]),
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["channel", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            # The open tickets in deadline order, with every column the inbox filters on: a page's ids
            # come from this index alone (see backoffice.paging), whatever the size of the table.
            models.Index(
                fields=["due_date", "created_at", "id", "status", "service", "assignee", "channel", "request_type"],
                condition=models.Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN]),
                name="ticket_open_by_deadline",
            ),
        ]
        constraints = [
            # Closed and rejected tickets carry the moment they ended; no other does (see _set_status).
            models.CheckConstraint(
                condition=models.Q(status__in=sorted(ENDED_STATUSES), closed_at__isnull=False)
                | (~models.Q(status__in=sorted(ENDED_STATUSES)) & models.Q(closed_at__isnull=True)),
                name="ticket_closed_at_iff_ended",
            ),
            # Optimistic concurrency: forms and the API send back the version they saw, starting at 1.
            models.CheckConstraint(condition=models.Q(version__gte=1), name="ticket_version_at_least_1"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="ticket_status_known"),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="ticket_channel_known"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_display} — {self.subject}"

    @property
    def reference_display(self) -> str:
        return references.display(self.reference)

    @property
    def citizen_status_label(self) -> str:
        return str(CITIZEN_STATUS_LABELS[self.status])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    def is_overdue_on(self, today: datetime.date) -> bool:
        """The Python side of ``overdue_condition``: the same rule on a loaded row."""
        return self.is_open and self.due_date < today


class AuthorKind(models.TextChoices):
    CITIZEN = "citizen", _("Usager")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Système")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Visible par l'usager")
    INTERNAL = "internal", _("Note interne")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(_("auteur"), max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visibility = models.CharField(_("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author_kind__in=AuthorKind.values), name="message_author_kind_known"
            ),
            # The system writes on nobody's behalf.
            models.CheckConstraint(
                condition=~models.Q(author_kind=AuthorKind.SYSTEM, author__isnull=False),
                name="message_system_has_no_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # Random names: the stored path never reveals the citizen's file name or the ticket.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def _public_id() -> str:
    return secrets.token_urlsafe(16)


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    field_code = models.CharField(max_length=60, blank=True)
    public_id = models.CharField(max_length=32, unique=True, default=_public_id, editable=False)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class EventKind(models.TextChoices):
    CREATED = "created", _("Demande reçue")
    STATUS_CHANGED = "status_changed", _("Changement de statut")
    CITIZEN_MESSAGE = "citizen_message", _("Message de l'usager")
    AGENT_REPLY = "agent_reply", _("Réponse de la mairie")
    INTERNAL_NOTE = "internal_note", _("Note interne")
    ASSIGNED = "assigned", _("Attribution")
    TRANSFERRED = "transferred", _("Transfert de service")
    NOTIFICATION_QUEUED = "notification_queued", _("Notification programmée")
    NOTIFICATION_SENT = "notification_sent", _("Notification envoyée")
    NOTIFICATION_FAILED = "notification_failed", _("Notification en échec")
    NOTIFICATION_RESENT = "notification_resent", _("Notification renvoyée")
    CITIZEN_MERGED = "citizen_merged", _("Fusion de fiches usager")
    SENT_BY_POST = "sent_by_post", _("Envoyée par courrier postal")
    CLAIMED = "claimed", _("Rattachée au compte de l'usager")
    ACCOUNT_DELETED = "account_deleted", _("Compte usager supprimé, données personnelles effacées")


PUBLIC_EVENT_KINDS = frozenset(
    {EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.CITIZEN_MESSAGE, EventKind.AGENT_REPLY}
)


class Event(models.Model):
    """One line of a ticket's timeline, and of the audit trail: who did what, when, through which channel."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("type"), max_length=24, choices=EventKind.choices)
    actor_kind = models.CharField(_("auteur"), max_length=10, choices=AuthorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(actor_kind__in=AuthorKind.values), name="event_actor_kind_known"),
            models.CheckConstraint(
                condition=~models.Q(actor_kind=AuthorKind.SYSTEM, actor__isnull=False),
                name="event_system_has_no_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENT_KINDS

    @property
    def citizen_status_label(self) -> str:
        return str(CITIZEN_STATUS_LABELS.get(self.to_status, ""))


class AccessCode(models.Model):
    """A six-digit one-time code sent to the citizen's email or phone; only its keyed hash is kept."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="access_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code d'accès")
        verbose_name_plural = _("codes d'accès")
        indexes = [models.Index(fields=["ticket", "expires_at"])]
        # ``attempts >= 0`` is the column's own check (PositiveSmallIntegerField).
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="accesscode_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.created_at:%d/%m/%Y %H:%M}"


def access_token_expiry() -> "datetime.datetime":
    """When a personal link minted or used now stops working (GUICHET_ACCESS_LINK_DAYS)."""
    return timezone.now() + datetime.timedelta(days=settings.GUICHET_ACCESS_LINK_DAYS)


class AccessToken(models.Model):
    """A personal link's secret, stored only as its SHA-256; it lives a while, longer each time it is used."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), default=access_token_expiry)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("lien personnel")
        verbose_name_plural = _("liens personnels")

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.created_at:%d/%m/%Y %H:%M}"


class TicketFacts(models.Model):
    """A ticket's figures for the statistics (issue 14), one narrow row per ticket, kept exact by
    ``tickets.services`` in the same transaction as every change they depend on (``tickets.facts``).

    The dimensions (service, request type, channel, assignee, status, due date) are copies of the ticket's;
    the moments are those docs/METRICS.md defines (first response, first resolution), their durations net of
    the waits for the citizen, in seconds and in working days. Working days depend on the commune's calendar:
    ``tickets.facts.facts_recount_working_days`` recounts them when it changes (docs/METRICS.md).
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="facts")
    service = models.ForeignKey(Service, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    request_type = models.ForeignKey(RequestType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    received_at = models.DateTimeField()
    received_day = models.DateField()  # local day (TIME_ZONE)
    due_date = models.DateField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_day = models.DateField(null=True, blank=True)
    first_response_seconds = models.BigIntegerField(null=True, blank=True)  # net of the pauses ended before it
    first_response_working_days = models.IntegerField(null=True, blank=True)  # net, never below 0
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_day = models.DateField(null=True, blank=True)
    resolution_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_working_days = models.IntegerField(null=True, blank=True)
    resolution_paused_days = models.IntegerField(default=0)  # working days paused before the resolution
    first_response_paused_days = models.IntegerField(default=0)
    reopened = models.BooleanField(default=False)
    # Running totals of the waits for the citizen that have ended (what the next moment subtracts).
    paused_seconds = models.BigIntegerField(default=0)
    paused_working_days = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("chiffres d'une demande")
        verbose_name_plural = _("chiffres des demandes")
        indexes = [
            # Each cohort of the statistics is a range of days; the other columns make index-only scans.
            models.Index(
                fields=["received_day", "service", "channel", "status", "request_type", "assignee"],
                name="ticketfacts_received",
            ),
            models.Index(
                fields=["first_response_day", "service", "first_response_working_days", "first_response_seconds"],
                name="ticketfacts_first_response",
                condition=models.Q(first_response_day__isnull=False),
            ),
            models.Index(
                fields=["resolved_day", "service", "resolution_working_days", "resolution_seconds", "due_date"],
                name="ticketfacts_resolution",
                condition=models.Q(resolved_day__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}"
