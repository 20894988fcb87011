"""Satisfaction surveys: the secret each invitation carries, who may answer, the answer, the refusal.

A survey's secret is 16 Crockford base32 symbols (80 random bits): short enough to print on a counter
receipt and type back (``/avis/``), long enough that, rate-limited, it cannot be guessed. Only its
SHA-256 is kept, like the personal links' (``lib.tokens``). Invitations by email or SMS mint it at send
time (registered with notifications in ``TicketsConfig.ready()``).
"""

import enum
import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.lib import references
from guichet.lib.tokens import token_hash
from guichet.notifications.models import Notification
from guichet.surveys.models import InvitationChannel, Survey, SurveyRefusal
from guichet.tickets import services
from guichet.tickets.exceptions import TicketActionError
from guichet.tickets.models import Ticket

SECRET_LENGTH = 16
_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _new_secret() -> str:
    return "".join(secrets.choice(references.ALPHABET) for _ in range(SECRET_LENGTH))


def survey_secret_normalise(raw: str) -> str | None:
    """The canonical secret for what someone typed (any case, dashes, spaces, O/0 and I/L/1), or None."""
    cleaned = _SEPARATORS.sub("", raw or "").upper().translate(_CONFUSABLE)
    if len(cleaned) != SECRET_LENGTH or any(symbol not in references.ALPHABET for symbol in cleaned):
        return None
    return cleaned


def survey_secret_display(secret: str) -> str:
    """Grouped by four, for paper: ``K7Q2-M9XD-H3TP-0ABC``."""
    return "-".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def survey_issue(*, ticket: Ticket, channel: str) -> str:
    """A new survey invitation for this ticket; the secret is returned once and only its hash is kept."""
    secret = _new_secret()
    Survey.objects.create(ticket=ticket, channel=channel, token_hash=token_hash(secret))
    return secret


def survey_mint(notification: Notification) -> str:
    """At send time, the survey an invitation by email or SMS carries (registered with notifications)."""
    if notification.ticket is None:
        raise ValueError("a survey is minted for a notification about a ticket")
    return survey_issue(ticket=notification.ticket, channel=notification.channel)


def survey_withdraw(notification: Notification, secret: str) -> None:
    Survey.objects.filter(token_hash=token_hash(secret), answered_at__isnull=True).delete()


def survey_find(raw: str) -> Survey | None:
    secret = survey_secret_normalise(raw)
    if secret is None:
        return None
    return (
        Survey.objects.select_related("ticket", "ticket__citizen", "ticket__request_type", "ticket__service")
        .filter(token_hash=token_hash(secret))
        .first()
    )


class SurveyState(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"  # single use
    EXPIRED = "expired"  # GUICHET_SURVEY_DAYS after the answer or closing
    IN_PROGRESS = "in_progress"  # the ticket is back in the town hall's hands (or not answered yet)


def survey_state(survey: Survey) -> SurveyState:
    if survey.answered_at is not None:
        return SurveyState.ANSWERED
    if survey.ticket.is_open:
        return SurveyState.IN_PROGRESS
    if timezone.now() >= survey.expires_at(survey.ticket):
        return SurveyState.EXPIRED
    return SurveyState.OPEN


class SurveyClosed(TicketActionError):
    default_message = gettext_lazy("Ce questionnaire n’est plus ouvert.")


@dataclass(frozen=True)
class SurveyAnswer:
    ease: str
    quality: str
    delay: str
    comment: str = ""
    not_resolved: bool = False


class Reopening(enum.Enum):
    NOT_ASKED = "not_asked"
    REOPENED = "reopened"
    TOO_LATE = "too_late"  # rejected, or closed longer ago than the reopening delay


def survey_answer(*, survey: Survey, answer: SurveyAnswer) -> Reopening:
    """Record the answer (once); "my problem is not solved" reopens the ticket when its rules allow it."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
        if survey_state(locked) is not SurveyState.OPEN:
            raise SurveyClosed()
        ticket = locked.ticket
        locked.answered_at = timezone.now()
        locked.ease, locked.quality, locked.delay = answer.ease, answer.quality, answer.delay
        locked.comment = answer.comment.replace("\r\n", "\n").strip()
        locked.not_resolved = answer.not_resolved
        locked.service_id, locked.request_type_id = ticket.service_id, ticket.request_type_id
        locked.ticket_channel, locked.assignee_id = ticket.channel, ticket.assignee_id
        locked.save()
        services.ticket_survey_answered(
            ticket=ticket,
            ratings={"ease": answer.ease, "quality": answer.quality, "delay": answer.delay},
            comment=locked.comment,
            not_resolved=answer.not_resolved,
        )
        if not answer.not_resolved:
            return Reopening.NOT_ASKED
        with translation.override("fr"):  # the thread keeps the citizen's language: the town hall's
            body = _("Questionnaire de satisfaction : mon problème n’est pas résolu.")
        if locked.comment:
            body = f"{body}\n\n{locked.comment}"
        reopened = services.ticket_reopen_by_survey(ticket=ticket, body=body)
    return Reopening.REOPENED if reopened else Reopening.TOO_LATE


def survey_refuse(*, survey: Survey) -> bool:
    """The citizen wants no more surveys; False when the ticket has no citizen left to remember it for."""
    citizen_id = survey.ticket.citizen_id
    if citizen_id is None:
        return False
    if not SurveyRefusal.objects.filter(citizen_id=citizen_id).exists():
        SurveyRefusal.objects.create(citizen_id=citizen_id)
    return True


def survey_receipt_code(*, ticket: Ticket) -> str:
    """The code a counter receipt prints, for a citizen the town hall cannot invite by email or SMS; else ""."""
    citizen = ticket.citizen
    if citizen is not None and (citizen.wants_email or citizen.wants_sms):
        return ""  # invited by message when the ticket is answered
    if citizen is not None and SurveyRefusal.objects.filter(citizen=citizen).exists():
        return ""
    return survey_paper_code(ticket=ticket)


def survey_paper_code(*, ticket: Ticket) -> str:
    """A code printed for a citizen without email or SMS (counter receipt): it opens once the ticket is answered."""
    return survey_secret_display(survey_issue(ticket=ticket, channel=InvitationChannel.PAPER))


def survey_withdraw_code(code: str) -> None:
    """Forget a printed code that will not be printed after all (a letter made twice at once)."""
    secret = survey_secret_normalise(code)
    if secret is not None:
        Survey.objects.filter(token_hash=token_hash(secret), answered_at__isnull=True).delete()
