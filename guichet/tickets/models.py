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
from guichet.organisation.models import Priority, Service
from guichet.tickets import permissions
from guichet.tickets.lifecycle import (
    CITIZEN_STATUS_LABELS,
    ELECTRONIC_CHANNELS,
    OPEN_STATUSES,
    Channel,
    ClosingOutcome,
    Status,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from guichet.accounts.models import User

# Every status that ends a ticket's handling: ``closed_at`` is set on these, and only on these.
ENDED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED})
# CRPA R112-11-2 (Légifrance LEGIARTI000031430621, read through its id): an electronic acknowledgement that is
# not instant leaves at the latest seven (calendar) days after the receipt of the submission; the registration
# receipt ("accusé d'enregistrement") at once or within one working day.
ACKNOWLEDGEMENT_DELAY = datetime.timedelta(days=7)


def open_condition() -> models.Q:
    """A ticket still in the town hall's hands (``Ticket.is_open``)."""
    return models.Q(status__in=OPEN_STATUSES)


def overdue_condition(today: datetime.date | None = None) -> models.Q:
    """Open past its due date: the due date itself is still on time (``Ticket.is_overdue``)."""
    return open_condition() & models.Q(due_date__lt=today or timezone.localdate())


class Decision(models.TextChoices):
    """How a request that calls for a decision (legal regime SVA or SVR) was decided."""

    EXPRESS = "express", _("Décision expresse de la mairie")
    IMPLICIT_ACCEPTANCE = "implicit_acceptance", _("Acceptation implicite")
    IMPLICIT_REJECTION = "implicit_rejection", _("Rejet implicite")


class EscalationStep(models.TextChoices):
    WARNING = "warning", _("Bientôt dépassé")
    MISSED = "missed", _("Dépassé")


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("Première réponse")
    RESOLUTION = "resolution", _("Résolution")


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

    def implicit_decision_pending(self) -> "TicketQuerySet":
        """Open, undecided, with its clock running (not suspended for missing documents)."""
        return self.open().filter(decision="", implicit_decision_on__isnull=False)

    def acknowledgement_late(self, now: datetime.datetime | None = None) -> "TicketQuerySet":
        """Electronic submissions whose acknowledgement left after the legal delay, or has not left by ``now``."""
        limit = (now or timezone.now()) - ACKNOWLEDGEMENT_DELAY
        return self.filter(
            channel__in=sorted(ELECTRONIC_CHANNELS),
            request_type__acknowledgement_exempt=False,
            citizen__isnull=False,
            created_at__lt=limit,
        ).filter(
            models.Q(acknowledged_at__isnull=True)
            | models.Q(acknowledged_at__gt=models.F("created_at") + ACKNOWLEDGEMENT_DELAY)
        )

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
    # How the request was decided, once it is: an express answer stops the clock, else the silence decides.
    decision = models.CharField(_("décision"), max_length=20, choices=Decision.choices, blank=True, default="")
    # The implicit-decision date the agents were warned about (warned once per date, see implicit_decision_warn).
    implicit_decision_warned_for = models.DateField(null=True, blank=True, editable=False)
    # What happened, said by the agent who closed or rejected it (lifecycle.ClosingOutcome); blank while open.
    closing_outcome = models.CharField(
        _("issue de la demande"), max_length=20, choices=ClosingOutcome.choices, blank=True, default=""
    )
    competent_body = models.CharField(_("organisme compétent"), max_length=200, blank=True, default="")
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("doublon de la demande"),
    )
    # When the acknowledgement actually left (the notification's sending, or the letter's posting): for an
    # electronic submission the law gives seven days after the receipt, i.e. created_at (CRPA R112-11-2).
    acknowledged_at = models.DateTimeField(_("accusé de réception envoyé le"), null=True, blank=True)
    # Targets of the ticket's priority (docs/METRICS.md, "Targets"): computed by tickets.targets from the
    # receipt, in the commune's working time, moved by the time spent waiting for the citizen.
    priority = models.ForeignKey(
        Priority, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("priorité")
    )
    first_response_due = models.DateTimeField(_("première réponse attendue avant"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(_("résolution attendue avant"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    # Working time (opening hours) spent waiting for the citizen, in seconds: the targets move by this much.
    # Targets in hours move by it; targets in days move by the working days waited (``target_paused_days``, the
    # rule of the type's deadline, ``due_date_extended_by``): a wait within one day moves no date.
    target_paused_seconds = models.PositiveIntegerField(default=0, editable=False)
    target_paused_days = models.PositiveSmallIntegerField(default=0, editable=False)
    # The furthest escalation step of the current targets (see tickets.escalation), for the inbox filter.
    escalation = models.CharField(_("escalade"), max_length=10, choices=EscalationStep.choices, blank=True)
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
    # Where (issue 17): WGS 84 degrees, the address as the citizen chose or typed it, the commune's INSEE
    # code, and whether the address was found in the national address base (BAN or its offline index).
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    address_label = models.CharField(_("adresse"), max_length=300, blank=True, default="")
    address_citycode = models.CharField(_("code INSEE"), max_length=5, blank=True, default="")
    address_in_base = models.BooleanField(_("adresse connue de la BAN"), null=True, blank=True)
    # Retention (guichet.retention): when its personal data was removed, and a legal hold that suspends it.
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True, editable=False)
    legal_hold_reason = models.CharField(_("motif du gel"), max_length=300, blank=True, editable=False)
    legal_hold_at = models.DateTimeField(_("gelée le"), null=True, blank=True, editable=False)

    objects = TicketQuerySet.as_manager()
    # Not stored: set by ``ticket_create`` on the ticket it returns when the submission key had already made it.
    replayed: bool = False

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
            # The statistics count the tickets ended in a period by their outcome.
            models.Index(fields=["closed_at", "closing_outcome"], name="ticket_ended_by_outcome"),
            # The open tickets in deadline order, with every column the inbox filters on: a page's ids
            # come from this index alone (see backoffice.paging), whatever the size of the table.
            models.Index(
                fields=["due_date", "created_at", "id", "status", "service", "assignee", "channel", "request_type"],
                condition=models.Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN]),
                name="ticket_open_by_deadline",
            ),
            # The daily job and the inbox's "décision implicite proche": undecided tickets by their date.
            models.Index(
                fields=["implicit_decision_on", "id"],
                condition=models.Q(implicit_decision_on__isnull=False, decision=""),
                name="ticket_implicit_decision_due",
            ),
            # The inbox's « Escalade » filter: few open tickets carry a step, found by this small index.
            models.Index(
                fields=["escalation", "due_date", "created_at"],
                condition=models.Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN])
                & ~models.Q(escalation=""),
                name="ticket_open_escalated",
            ),
            # Located open tickets (nearby requests, the inbox's map, Open311's bounding box).
            models.Index(
                fields=["latitude", "longitude", "request_type"],
                condition=models.Q(
                    status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN], latitude__isnull=False
                ),
                name="ticket_open_located",
            ),
            models.Index(
                fields=["latitude", "longitude"], condition=models.Q(latitude__isnull=False), name="ticket_located"
            ),
            # The escalation job's candidates: open tickets whose warning moment has come.
            models.Index(
                fields=["first_response_warn_at"],
                condition=models.Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS], first_responded_at__isnull=True),
                name="ticket_first_response_watch",
            ),
            models.Index(
                fields=["resolution_warn_at"],
                condition=models.Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS]),
                name="ticket_resolution_watch",
            ),
            # The retention job's queue: ended tickets not anonymised yet, oldest first.
            models.Index(
                fields=["closed_at", "id"],
                condition=models.Q(anonymised_at__isnull=True, closed_at__isnull=False),
                name="ticket_retention_due",
            ),
        ]
        constraints = [
            # A position is both coordinates, within WGS 84's ranges, or none (NULL spelled out: a CHECK passes on NULL).
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="ticket_position_whole",
            ),
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
            # An outcome is a known one, and only an ended ticket has one (reopening clears it).
            models.CheckConstraint(
                condition=models.Q(closing_outcome="")
                | models.Q(closing_outcome__in=ClosingOutcome.values, status__in=sorted(ENDED_STATUSES)),
                name="ticket_outcome_only_when_ended",
            ),
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

    @property
    def acknowledgement_due_at(self) -> datetime.datetime | None:
        """The latest moment the acknowledgement may leave, for an electronic submission that needs one.

        A partner application's submission with no citizen behind it has nobody to acknowledge: it got its
        number in the API's answer.
        """
        if self.channel not in ELECTRONIC_CHANNELS or self.request_type.acknowledgement_exempt or not self.citizen_id:
            return None
        return self.created_at + ACKNOWLEDGEMENT_DELAY

    @property
    def acknowledgement_late(self) -> bool:
        """The Python side of ``acknowledgement_late()``: sent after the delay, or still not sent past it."""
        due = self.acknowledgement_due_at
        return due is not None and (self.acknowledged_at or timezone.now()) > due

    def is_overdue_on(self, today: datetime.date) -> bool:
        """The Python side of ``overdue_condition``: the same rule on a loaded row."""
        return self.is_open and self.due_date < today

    @property
    def implicitly_accepted(self) -> bool:
        return self.decision == Decision.IMPLICIT_ACCEPTANCE


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


PUBLISHABLE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


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
    # Issue 17: a photo shown to the public in the nearby panel. The citizen accepted it on the form
    # (``public_consent``); an agent published it after looking at it (faces, number plates, private places).
    public_consent = models.BooleanField(_("accord de l’usager pour l’affichage public"), default=False)
    published_at = models.DateTimeField(_("rendue publique le"), null=True, blank=True)
    # What the photo shows, in the agent's words: the alternative text of the public thumbnail.
    public_description = models.CharField(_("description de la photo"), max_length=150, blank=True, default="")
    # No database constraint nor index: added to a big table while the old version serves (docs/UPGRADE.md);
    # Django's SET_NULL still applies when an account is deleted.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("rendue publique par"),
    )

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def may_be_published(self) -> bool:
        """A photo of the request form whose author accepted it be shown publicly (browsers show these types)."""
        return self.public_consent and self.content_type in PUBLISHABLE_TYPES and self.message_id is None


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
    DOCUMENTS_REQUESTED = "documents_requested", _("Pièces manquantes demandées")
    DOCUMENTS_RECEIVED = "documents_received", _("Pièces manquantes reçues")
    IMPLICIT_ACCEPTANCE = "implicit_acceptance", _("Acceptation implicite")
    IMPLICIT_REJECTION = "implicit_rejection", _("Rejet implicite")
    IMPLICIT_DECISION_NEAR = "implicit_decision_near", _("Agents prévenus : décision implicite proche")
    SURVEY_SENT = "survey_sent", _("Questionnaire de satisfaction proposé")
    SURVEY_ANSWERED = "survey_answered", _("Avis de l’usager reçu")
    SURVEY_REOPENED = "survey_reopened", _("Rouverte par l’avis de l’usager : problème non résolu")
    PRIORITY_CHANGED = "priority_changed", _("Changement de priorité")
    ESCALATED = "escalated", _("Escalade")
    ANONYMISED = "anonymised", _("Données personnelles effacées (durée de conservation)")
    LEGAL_HOLD_SET = "legal_hold_set", _("Gel de conservation posé")
    LEGAL_HOLD_RELEASED = "legal_hold_released", _("Gel de conservation levé")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Données personnelles effacées à la demande de l'usager")
    FOLLOWER_ADDED = "follower_added", _("« Moi aussi » : une personne de plus concernée")
    MERGED = "merged", _("Doublon fusionné")
    MERGE_UNDONE = "merge_undone", _("Fusion de doublon annulée")
    PHOTO_PUBLISHED = "photo_published", _("Photo rendue publique")
    PHOTO_UNPUBLISHED = "photo_unpublished", _("Photo retirée de l’affichage public")
    PLACE_CHANGED = "place_changed", _("Lieu corrigé")


PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.STATUS_CHANGED,
        EventKind.CITIZEN_MESSAGE,
        EventKind.AGENT_REPLY,
        EventKind.DOCUMENTS_REQUESTED,
        EventKind.DOCUMENTS_RECEIVED,
        EventKind.IMPLICIT_ACCEPTANCE,
        EventKind.IMPLICIT_REJECTION,
    }
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


class FollowerHow(models.TextChoices):
    ME_TOO = "me_too", _("« Moi aussi »")
    MERGED = "merged", _("Demande fusionnée")


class TicketFollower(models.Model):
    """Someone else affected by a ticket (issue 17): told of its answer and closing like its author.

    The contact details stay on the ``Citizen`` row; a merged duplicate's author follows the kept ticket
    with ``source`` naming the duplicate, so that undoing the merge removes exactly that link.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="followed_tickets")
    how = models.CharField(_("comment"), max_length=10, choices=FollowerHow.choices)
    source = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("demande fusionnée")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("personne concernée")
        verbose_name_plural = _("personnes concernées")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "citizen"], name="ticket_follower_once"),
            models.CheckConstraint(
                condition=models.Q(how="me_too", source__isnull=True) | models.Q(how="merged", source__isnull=False),
                name="ticket_follower_source_when_merged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_how_display()}"


class Escalation(models.Model):
    """One escalation step of one target of a ticket, for the target's due moment at the time.

    The unique constraint makes each step happen once, even with two workers running the job at the same
    moment; a target recomputed later (new priority, calendar, pause) has a new due moment, and its steps
    may happen again.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(max_length=20, choices=TargetKind.choices)
    step = models.CharField(max_length=10, choices=EscalationStep.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("escalade")
        verbose_name_plural = _("escalades")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "step", "due_at"], name="escalation_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.target} · {self.step}"


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


class DocumentRequest(models.Model):
    """Missing documents asked of the citizen (CRPA L114-5): the implicit-decision clock waits for them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="document_requests")
    items = models.JSONField(_("pièces manquantes"), default=list)
    deadline = models.DateField(_("à fournir avant le"))
    asked_at = models.DateTimeField(_("demandées le"), default=timezone.now)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The implicit-decision date when the documents were asked for: a rejection's delay resumes from it.
    suspended_decision_on = models.DateField(null=True, blank=True, editable=False)
    # The day the last document arrived: an acceptance's delay runs again, in full, from it.
    received_on = models.DateField(_("reçues le"), null=True, blank=True)
    completed_at = models.DateTimeField(_("dossier complété le"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("demande de pièces manquantes")
        verbose_name_plural = _("demandes de pièces manquantes")
        ordering = ["asked_at", "pk"]
        indexes = [models.Index(fields=["ticket", "completed_at"])]
        constraints = [
            # One open request of documents per ticket at a time.
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(completed_at__isnull=True), name="documentrequest_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True) | models.Q(received_on__isnull=False),
                name="documentrequest_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.asked_at:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


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
            # The exact hour percentiles: the rank searched among the durations of one bucket of the histogram
            # (metrics.Moment.hours), in the order of the durations.
            models.Index(
                fields=["first_response_seconds", "first_response_day", "received_day", "service"],
                name="ticketfacts_first_seconds",
                condition=models.Q(first_response_day__isnull=False),
            ),
            models.Index(
                fields=["resolution_seconds", "resolved_day", "received_day", "service"],
                name="ticketfacts_resolution_secs",
                condition=models.Q(resolved_day__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}"


# The unique key of ``TicketDayCount``, as column names (a foreign key's is its attname), in the order
# ``tickets.facts.count_keys`` builds the keys: one constant for the model and for the SQL of ``tickets.facts``
# (which also runs on the migrations' historical models, that carry no class attributes).
DAY_COUNT_KEY = (
    "kind",
    "day",
    "latest_day",
    "service_id",
    "request_type_id",
    "channel",
    "assignee_key",
    "status",
    "working_days",
    "on_time",
    "reopened",
)


class TicketDayCount(models.Model):
    """How many tickets per day and dimensions (issue 14): the statistics' volumes, working-day distributions,
    deadline/reopen counts and duration histograms summed over a period without reading one row per ticket.

    Derived rows of ``TicketFacts``, kept exact by ``tickets.facts`` in the same transaction (the old row's keys
    decremented, the new one's incremented, by upserts adding to ``n``). One row per (kind, day, dimensions,
    figure): ``kind`` says which day it is (receipt, first response, resolution), whether the row is a day's or
    a month's, and which dimensions it keeps (its *grain*: all of them, or fewer for the pages that do not
    filter on the others, see ``tickets.facts.GRAINS``); ``latest_day`` is the later of the receipt day and
    ``day`` (a cohort holds the tickets received before the period ends); no NULL in the key (``assignee_key``
    0: nobody, -1: a grain without the assignee; ``request_type`` 0 and ``channel`` "": a grain without them;
    ``status``, ``working_days``, ``on_time`` and ``reopened`` unused by the kinds that do not need them), so
    that the unique key matches on every database. A duration histogram's rows hold the bucket of the duration
    in ``working_days`` (the key stays the one the former code upserts on while the migrations run). A count may
    fall to 0 and stay: sums are unchanged.
    """

    RECEIVED = 0
    FIRST_RESPONSE = 1
    RESOLUTION = 2

    kind = models.PositiveSmallIntegerField()
    day = models.DateField()
    latest_day = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    request_type = models.ForeignKey(RequestType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    assignee_key = models.IntegerField()  # the assignee's id, 0 for nobody
    status = models.CharField(max_length=20, blank=True)  # receipt rows: the ticket's status now
    # Moment rows: working days from receipt, net of the pauses; histogram rows: the bucket of the net seconds
    # from receipt to the moment (tickets.facts.DURATION_BOUNDS).
    working_days = models.IntegerField()
    on_time = models.BooleanField()  # resolution rows: resolved on or before the due date
    reopened = models.BooleanField()  # resolution rows
    n = models.IntegerField()

    KEY = DAY_COUNT_KEY

    class Meta:
        verbose_name = _("compte journalier des demandes")
        verbose_name_plural = _("comptes journaliers des demandes")
        constraints = [
            models.UniqueConstraint(
                fields=[name.removesuffix("_id") for name in DAY_COUNT_KEY], name="ticketdaycount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.n}"
