"""Statuses, channels and the one table of allowed status transitions."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    IN_PROGRESS = "in_progress", _("En cours")
    AWAITING_CITIZEN = "awaiting_citizen", _("En attente de l’usager")
    ANSWERED = "answered", _("Répondue")
    CLOSED = "closed", _("Clôturée")
    REJECTED = "rejected", _("Sans suite")


class Channel(models.TextChoices):
    WEB = "web", _("Formulaire en ligne")
    PHONE = "phone", _("Téléphone")
    COUNTER = "counter", _("Accueil au guichet")
    MAIL = "mail", _("Courrier postal")
    EMAIL = "email", _("Courriel")
    API = "api", _("API")


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.ANSWERED, Status.REJECTED}),
    Status.IN_PROGRESS: frozenset({Status.AWAITING_CITIZEN, Status.ANSWERED, Status.REJECTED}),
    Status.AWAITING_CITIZEN: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.REJECTED}),
    Status.ANSWERED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
    Status.REJECTED: frozenset({Status.IN_PROGRESS}),
}

# What the citizen reads about their own request (agents see the labels above).
CITIZEN_STATUS_LABELS: dict[str, str | Promise] = {
    **{status.value: status.label for status in Status},
    Status.AWAITING_CITIZEN: _("En attente de votre réponse"),
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN})
# Submissions made by electronic means (CRPA L112-11): their acknowledgement is electronic and has a legal delay.
ELECTRONIC_CHANNELS = frozenset({Channel.WEB, Channel.EMAIL, Channel.API})
# A citizen's reply on these puts the ticket back in the agent's hands.
REOPENED_BY_CITIZEN_REPLY = frozenset({Status.AWAITING_CITIZEN, Status.ANSWERED, Status.CLOSED})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


class ClosingOutcome(models.TextChoices):
    """Why a ticket ended: the status says that it ended (closed or rejected), the outcome says what happened."""

    RESOLVED = "resolved", _("Résolue")
    NOT_FOR_TOWN_HALL = "not_for_town_hall", _("Ne relève pas de la mairie")
    NO_FOLLOW_UP = "no_follow_up", _("Suite impossible")
    DUPLICATE = "duplicate", _("Doublon d’une autre demande")


# The outcome a caller that does not say gets, and the one the data migration gave to tickets ended before.
DEFAULT_OUTCOMES: dict[str, str] = {
    Status.CLOSED: ClosingOutcome.RESOLVED,
    Status.REJECTED: ClosingOutcome.NO_FOLLOW_UP,
}
