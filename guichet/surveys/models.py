"""Satisfaction surveys ("Je donne mon avis" scale) sent when a ticket is answered or closed, and refusals.

The rules that write these rows live in ``tickets.surveys`` (the survey reopens tickets through
``tickets.services``); this module holds the rows and the reads ``tickets.services`` needs before it
offers a survey.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification, Template
from guichet.organisation.models import Service
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Event, EventKind, Ticket


class Rating(models.TextChoices):
    """The three-step scale of the State's "Je donne mon avis" questionnaire (its answers' intentions)."""

    GOOD = "good", _("Très bien")
    MEDIUM = "medium", _("Moyen")
    BAD = "bad", _("Pas bien")


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")
    PAPER = "paper", _("Code imprimé (reçu du guichet, courrier)")


# The three questions, in the order the page asks them (field names of Survey).
QUESTIONS = ("ease", "quality", "delay")


class Survey(models.Model):
    """One invitation to give an opinion on a ticket: a secret stored as its SHA-256, answered at most once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("demande"))
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("envoyé par"), max_length=10, choices=InvitationChannel.choices)
    created_at = models.DateTimeField(_("proposé le"), default=timezone.now)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    ease = models.CharField(_("facilité"), max_length=10, choices=Rating.choices, blank=True)
    quality = models.CharField(_("qualité de la réponse"), max_length=10, choices=Rating.choices, blank=True)
    delay = models.CharField(_("délai"), max_length=10, choices=Rating.choices, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    not_resolved = models.BooleanField(_("problème non résolu"), default=False)
    # What the ticket was when the citizen answered: the statistics count the answer there, whatever comes next.
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    request_type = models.ForeignKey(RequestType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ticket_channel = models.CharField(_("canal de la demande"), max_length=10, choices=Channel.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("avis de l’usager")
        verbose_name_plural = _("avis des usagers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["answered_at", "service"], name="survey_answered_by_service"),
            models.Index(fields=["ticket", "created_at"]),
        ]
        constraints = [
            # An answer has its three ratings; an unanswered survey none.
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, ease="", quality="", delay="", not_resolved=False)
                | (
                    models.Q(answered_at__isnull=False)
                    & ~models.Q(ease="")
                    & ~models.Q(quality="")
                    & ~models.Q(delay="")
                ),
                name="survey_answered_has_ratings",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.created_at:%d/%m/%Y}"

    def expires_at(self, ticket: Ticket) -> datetime.datetime:
        """GUICHET_SURVEY_DAYS after the later of the invitation and the ticket's last answer or closing."""
        start = max(self.created_at, ticket.status_changed_at)
        return start + datetime.timedelta(days=settings.GUICHET_SURVEY_DAYS)


class SurveyRefusal(models.Model):
    """The citizen asked for no more surveys (link in each invitation): honoured for every later ticket.

    A foreign key, not one-to-one: merging two citizen records moves both records' refusals onto the kept one.
    """

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="survey_refusals")
    created_at = models.DateTimeField(_("refusé le"), default=timezone.now)

    class Meta:
        verbose_name = _("refus des questionnaires")
        verbose_name_plural = _("refus des questionnaires")

    def __str__(self) -> str:
        return f"{self.citizen_id} · {self.created_at:%d/%m/%Y}"


# A survey is offered when the town hall has answered, closed or rejected the request.
SURVEYED_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
REOPENED_FROM = (Status.ANSWERED, Status.CLOSED, Status.REJECTED)


def survey_wanted(ticket: Ticket) -> bool:
    """Offer a survey on this ticket now? Not to a citizen who refused them, and once per round of handling:
    not again until the ticket has been reopened since the last invitation (answered, then closed: one)."""
    if ticket.citizen_id is None or SurveyRefusal.objects.filter(citizen_id=ticket.citizen_id).exists():
        return False
    reopened = (
        Event.objects.filter(
            ticket=ticket, kind=EventKind.STATUS_CHANGED, from_status__in=REOPENED_FROM, to_status=Status.IN_PROGRESS
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    invitations = Notification.objects.filter(ticket=ticket, template=Template.SURVEY)
    paper = Survey.objects.filter(ticket=ticket, channel=InvitationChannel.PAPER, answered_at__isnull=False)
    if reopened is not None:
        invitations = invitations.filter(created_at__gt=reopened)
        paper = paper.filter(answered_at__gt=reopened)
    return not invitations.exists() and not paper.exists()
