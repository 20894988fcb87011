"""Every write to a ticket goes through here: web, agents, mail room, email and API alike.

Each function is one transaction: it checks the rule, saves with update_fields, writes the
timeline event and queues the notifications, which commit (or roll back) together.
"""

import datetime
import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from guichet.accounts.models import User
from guichet.api.models import ApiKey
from guichet.catalogue.models import FieldKind, LegalRegime, RequestType
from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember
from guichet.lib import references
from guichet.lib.inserts import insert
from guichet.lib.uploads import CheckedUpload
from guichet.notifications.delivery import deliver as notification_deliver
from guichet.notifications.models import DeliveryStatus, FollowerChange, Notification, Template
from guichet.notifications.services import (
    alert_agent,
    alert_service_agents,
    notify_agents_of_citizen_message,
    notify_citizen,
    notify_escalation,
    notify_followers,
    notify_service_of_new_ticket_later,
)
from guichet.organisation import roles
from guichet.organisation.calendar import WorkingCalendar
from guichet.organisation.models import Agent, Commune, Priority, Role, Service
from guichet.places.photos import image_without_metadata, stored_type
from guichet.places.place import Place
from guichet.surveys.models import REOPENED_FROM, SURVEYED_STATUSES, survey_wanted
from guichet.tickets import facts as ticket_facts
from guichet.tickets import legal
from guichet.tickets.exceptions import InvalidTransition, ReplyNotAllowed, StaleTicket
from guichet.tickets.lifecycle import (
    DEFAULT_OUTCOMES,
    OPEN_STATUSES,
    REOPENED_BY_CITIZEN_REPLY,
    Channel,
    ClosingOutcome,
    Status,
    can_transition,
)
from guichet.tickets.models import (
    ENDED_STATUSES,
    AccessCode,
    AccessToken,
    Attachment,
    AuthorKind,
    Decision,
    DocumentRequest,
    Escalation,
    EscalationStep,
    Event,
    EventKind,
    FollowerHow,
    Message,
    TargetKind,
    Ticket,
    TicketFacts,
    TicketFollower,
    Visibility,
)
from guichet.tickets.public_cache import status_page_forget, status_pages_forget
from guichet.tickets.search import build_search_text, search_fragment
from guichet.tickets.targets import targets_compute

# Draws of a ticket reference before giving up (a taken one is drawn again; see ``ticket_create``).
REFERENCE_ATTEMPTS = 5
RELATED_FIELDS = ("request_type", "service", "citizen", "entered_by", "assignee", "api_key", "household_member")
# Statuses the citizen is told about by a notification of their own; reaching one is a first response.
NOTIFIED_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
# An agent moving a decision-bearing request to one of these has decided it expressly: the clock stops.
EXPRESS_DECISION_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
# What a recomputation of the targets writes.
TARGET_FIELDS = ("first_response_due", "first_response_warn_at", "resolution_due", "resolution_warn_at", "due_date")
# Answers that are contact details of the person, removed when the person's account is deleted.
PERSONAL_ANSWER_KINDS = frozenset({FieldKind.EMAIL, FieldKind.PHONE})


def ticket_create(
    *,
    request_type: RequestType,
    citizen: Citizen | None,
    channel: str,
    answers: list[dict[str, Any]],
    uploads: Iterable[tuple[str, CheckedUpload]] = (),
    submission_key: uuid.UUID | None = None,
    entered_by: User | None = None,
    subject: str = "",
    acknowledge: bool = True,
    api_key: ApiKey | None = None,
    received_at: datetime.datetime | None = None,
    household_member: HouseholdMember | None = None,
    place: Place | None = None,
    photos_public_consent: bool = False,
    citizen_for: Callable[[], Citizen | None] | None = None,
) -> Ticket:
    """Store a new request durably, with its acknowledgement queued in the same transaction.

    ``citizen_for`` (instead of ``citizen``) finds or makes the citizen's record in the ticket's transaction: a
    refused submission keeps nothing of it. Called outside a transaction, the ticket's is a transaction of its
    own, not a savepoint in the caller's: a replayed key or a reference drawn twice rolls it all back, and
    ``citizen_for`` runs again on the next attempt.

    ``place`` is where the request is about (issue 17): a position, an address, or both, as the channel
    geocoded it (``places.geocoding``); no network call happens here. ``photos_public_consent``: the citizen
    accepted that an agent show the form's photos publicly (``attachment_publish``).

    ``received_at`` is when the town hall received it, if earlier than now (a letter scanned later):
    the ticket's date and its deadline count from then.

    A repeated ``submission_key`` (double click, re-POST) hits the unique constraint and returns
    the ticket the first submission made.
    """
    now = timezone.now()
    received = min(received_at, now) if received_at else now
    commune = Commune.current()
    ticket = Ticket(
        request_type=request_type,
        service=request_type.service,
        citizen=citizen,
        household_member=household_member,
        channel=channel,
        subject=(subject or request_type.name)[:200],
        answers=answers,
        created_at=received,
        updated_at=now,
        status_changed_at=now,
        due_date=commune.calendar.add_working_days(timezone.localdate(received), request_type.deadline_days),
        implicit_decision_on=_implicit_decision_on(request_type, timezone.localdate(received)),
        priority=request_type.priority if request_type.priority_id else Priority.default(),
        entered_by=entered_by,
        api_key=api_key,
        submission_key=submission_key,
        **_place_fields(place),
    )
    _targets_apply(ticket, commune)
    # Related rows were just read and the reference is drawn below: validate the values only (the unique
    # indexes check the rest as the row goes in).
    ticket.full_clean(
        exclude=["submission_key", "reference", "priority", *RELATED_FIELDS],
        validate_unique=False,
        validate_constraints=False,
    )
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        # A random reference is unique but for a one-in-a-million chance at a million tickets: the unique
        # index checks it as the row goes in (no look-up first), and a taken one is drawn again.
        ticket.reference = references.generate()
        try:
            with transaction.atomic():
                if citizen_for is not None:
                    ticket.citizen = citizen_for()
                ticket.search_text = build_search_text(ticket)  # with the reference and the citizen
                insert(ticket)
                _ticket_created(
                    ticket,
                    uploads=uploads,
                    acknowledge=acknowledge,
                    api_key=api_key,
                    photos_public_consent=photos_public_consent,
                )
        except IntegrityError:
            # The key was sent before (a double click, a re-POST): the first submission's ticket, marked replayed.
            if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
                existing.replayed = True
                return existing
            if attempt < REFERENCE_ATTEMPTS and Ticket.objects.filter(reference=ticket.reference).exists():
                ticket.pk = None
                continue
            raise
        return ticket
    raise AssertionError("unreachable")  # the last attempt returned or raised


def _ticket_created(
    ticket: Ticket,
    *,
    uploads: Iterable[tuple[str, CheckedUpload]],
    acknowledge: bool,
    api_key: ApiKey | None,
    photos_public_consent: bool,
) -> None:
    """What goes with a new ticket, in its transaction: files, the event, the acknowledgement, and the one task
    that sends it, builds the statistics' facts and alerts the service (``ticket_received``)."""
    for field_code, upload in uploads:
        attachment_store(ticket=ticket, upload=upload, field_code=field_code, public_consent=photos_public_consent)
    _event(
        ticket,
        EventKind.CREATED,
        actor=ticket.entered_by,
        actor_kind=AuthorKind.AGENT if ticket.entered_by_id else AuthorKind.CITIZEN,
        channel=ticket.channel,
        to_status=Status.RECEIVED,
        **cast(dict[str, Any], {"api_key": api_key.name} if api_key else {}),
    )
    acknowledgements = []
    if acknowledge:
        acknowledgements = notify_citizen(
            ticket=ticket, template=Template.ACKNOWLEDGEMENT, key="created", new_ticket=True
        )
    ticket_received.enqueue(ticket.pk, ticket.service_id, deliver=[n.pk for n in acknowledgements])


@task()
def ticket_received(ticket_id: int, service_id: int, deliver: list[int] | None = None) -> int:
    """What follows a new ticket in the worker rather than in the citizen's request, one task row for all of it:
    its acknowledgements (``deliver``; a failed attempt plans a retry, a delivery task of its own), its statistics'
    facts and day counts (``facts.facts_build_missing``), then its service's agents alerted. Run again after a
    failure or a dead worker (``notifications.sweep``), it sends, builds and alerts nothing twice: a notification
    is claimed before it is sent, and one waiting for its planned retry is left to it. Returns the number of
    alerts."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    acknowledgements = Notification.objects.filter(due, pk__in=deliver or [], status=DeliveryStatus.PENDING)
    for notification_id in acknowledgements.order_by("pk").values_list("pk", flat=True):
        notification_deliver(notification_id)
    ticket_facts.facts_build_missing(TicketFacts, ticket_ids=[ticket_id])
    return alert_service_agents.call(ticket_id, service_id, "created")


def _place_fields(place: Place | None) -> dict[str, Any]:
    if place is None:
        return {}
    return {
        "latitude": place.latitude if place.has_position else None,
        "longitude": place.longitude if place.has_position else None,
        "address_label": place.label[:300],
        "address_citycode": place.citycode[:5],
        "address_in_base": place.in_base if place.label else None,
    }


def _implicit_decision_on(request_type: RequestType, received_on: datetime.date) -> datetime.date | None:
    """SVA and SVR types: the end of the delay from the complete request's receipt (tickets.legal); else none."""
    if not request_type.has_implicit_decision:
        return None
    return legal.implicit_decision_date(
        received_on, months=request_type.implicit_decision_months, days=request_type.implicit_decision_days
    )


def attachment_store(
    *,
    ticket: Ticket,
    upload: CheckedUpload,
    field_code: str = "",
    message: Message | None = None,
    public_consent: bool = False,
    internal: bool = False,
) -> Attachment:
    """``public_consent``: the citizen accepted, on the form, that an agent may show this photo publicly."""
    # Photos are stored without their metadata (camera, date, GPS position...): the bytes kept are the clean ones.
    clean = image_without_metadata(upload.file, upload.content_type)
    content: Any = ContentFile(clean) if clean is not None else upload.file
    content_type, name = upload.content_type, upload.name
    if clean is not None and (stored := stored_type(upload.content_type)) and stored[0] != content_type:
        # A HEIC photo is kept as the JPEG every browser shows, and named so.
        content_type = stored[0]
        name = f"{name.rsplit('.', 1)[0] if '.' in name else name}.{stored[1]}"[-200:]
    attachment = Attachment(
        ticket=ticket,
        message=message,
        field_code=field_code,
        original_name=name,
        content_type=content_type,
        size=len(clean) if clean is not None else upload.size,
        sha256=hashlib.sha256(clean).hexdigest() if clean is not None else upload.sha256,
        is_public=not internal and (message is None or message.is_public),
        public_consent=public_consent and content_type.startswith("image/"),
    )
    attachment.file.save(name, content, save=False)
    attachment.save()
    return attachment


def ticket_acknowledged(*, ticket: Ticket, at: datetime.datetime) -> None:
    """The first acknowledgement that actually left (email, SMS or letter) dates the ticket's acknowledgement.

    CRPA L112-11 and R112-11-2: an electronic submission is acknowledged within seven days of its receipt
    (``created_at``); both moments are kept. Like the delivery events, it does not bump the version.
    """
    if Ticket.objects.filter(pk=ticket.pk, acknowledged_at__isnull=True).update(acknowledged_at=at):
        ticket.acknowledged_at = at


def ticket_sent_by_post(
    *,
    ticket: Ticket,
    agent: User,
    letter: CheckedUpload,
    message: Message | None,
    recipient: str,
    acknowledgement: bool = False,
    to_follower: bool = False,
) -> Attachment:
    """The mail room posted a letter: the timeline says so, with the letter's PDF attached.

    A letter to a follower (issue 17) bears their name and address: its copy is for agents only.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        if acknowledgement:
            ticket_acknowledged(ticket=ticket, at=timezone.now())
        attachment = attachment_store(ticket=ticket, upload=letter, message=message, internal=to_follower)
        _event(
            ticket,
            EventKind.SENT_BY_POST,
            actor=agent,
            actor_kind=AuthorKind.AGENT,
            channel=Channel.MAIL,
            attachment=attachment.public_id,
            recipient=recipient,
        )
        _touch(ticket)
    return attachment


def citizen_can_reply(ticket: Ticket, *, now: datetime.datetime | None = None) -> bool:
    if ticket.status == Status.REJECTED:
        return False
    if ticket.status == Status.CLOSED:
        delay = datetime.timedelta(days=Commune.current().reopen_delay_days)
        return ticket.closed_at is not None and (now or timezone.now()) <= ticket.closed_at + delay
    return True


def message_post_by_citizen(
    *,
    ticket: Ticket,
    body: str,
    channel: str,
    uploads: Iterable[CheckedUpload] = (),
    entered_by: User | None = None,
) -> Message:
    """A citizen's message; on a ticket waiting for them, answered or recently closed, it reopens it."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if not citizen_can_reply(ticket):
            raise ReplyNotAllowed()
        body = _normalise_text(body)
        # An agent relaying a phone call or a counter visit is recorded as the one who typed it.
        message = Message.objects.create(
            ticket=ticket,
            author_kind=AuthorKind.CITIZEN,
            author=entered_by,
            channel=channel,
            body=body,
            visibility=Visibility.PUBLIC,
        )
        for upload in uploads:
            attachment_store(ticket=ticket, upload=upload, message=message)
        _event(
            ticket,
            EventKind.CITIZEN_MESSAGE,
            actor=entered_by,
            actor_kind=AuthorKind.CITIZEN,
            channel=channel,
            message=message.pk,
        )
        _append_search_text(ticket, body)
        if ticket.status in REOPENED_BY_CITIZEN_REPLY:
            _set_status(ticket, Status.IN_PROGRESS, actor=None, actor_kind=AuthorKind.CITIZEN, channel=channel)
        else:
            _touch(ticket)
        notify_agents_of_citizen_message(ticket=ticket, message_id=message.pk)
    return message


def message_post_by_agent(
    *,
    ticket: Ticket,
    agent: User,
    body: str,
    internal: bool = False,
    uploads: Iterable[CheckedUpload] = (),
    new_status: str | None = None,
    expected_version: int | None = None,
    outcome: "Outcome | None" = None,
) -> Message:
    """An agent's reply to the citizen (notified), or an internal note (never shown to the citizen)."""
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        now = timezone.now()
        visibility = Visibility.INTERNAL if internal else Visibility.PUBLIC
        body = _normalise_text(body)
        message = Message.objects.create(
            ticket=ticket, author_kind=AuthorKind.AGENT, author=agent, channel="", body=body, visibility=visibility
        )
        for upload in uploads:
            attachment_store(ticket=ticket, upload=upload, message=message)
        kind = EventKind.INTERNAL_NOTE if internal else EventKind.AGENT_REPLY
        _event(ticket, kind, actor=agent, at=now, message=message.pk)
        _append_search_text(ticket, body)
        if not internal:
            _first_response(ticket)

        target = new_status or (Status.IN_PROGRESS if not internal and ticket.status == Status.RECEIVED else None)
        event = None
        if target and target != ticket.status:
            _check_transition(ticket, target)
            event = _set_status(ticket, target, actor=agent, outcome=outcome, now=now)
        else:
            _touch(ticket, *([] if internal else ["first_responded_at", "escalation"]))
        if not internal:
            _facts_public_reply(ticket, now)
            template = Template.INFO_REQUESTED if target == Status.AWAITING_CITIZEN else Template.AGENT_REPLY
            notify_citizen(
                ticket=ticket, template=template, key=f"message:{message.pk}", context={"message_id": message.pk}
            )
            if target in NOTIFIED_STATUSES:
                notify_followers(ticket=ticket, template=Template.FOLLOWER_UPDATE, key=f"message:{message.pk}")
        if event is not None:
            _offer_survey(ticket, event)
    return message


def ticket_change_status(
    *,
    ticket: Ticket,
    to_status: str,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    outcome: "Outcome | None" = None,
) -> Ticket:
    """Move the ticket on; closing or rejecting it records what happened (``outcome``, else the default one)."""
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        _check_transition(ticket, to_status)
        event = _set_status(ticket, to_status, actor=actor, reason=reason, outcome=outcome)
        if to_status in NOTIFIED_STATUSES:
            notify_citizen(ticket=ticket, template=Template.STATUS_CHANGED, key=f"status:{event.pk}")
            # A follower answered by post already has the answer's letter: closing it sends no second one.
            notify_followers(
                ticket=ticket,
                template=Template.FOLLOWER_UPDATE,
                key=f"status:{event.pk}",
                letter=event.from_status != Status.ANSWERED,
            )
        _offer_survey(ticket, event)
    return ticket


def _offer_survey(ticket: Ticket, event: Event) -> None:
    """Answered or ended: the citizen is invited to give their opinion, by email or SMS (see surveys.models)."""
    if event.to_status not in SURVEYED_STATUSES or not survey_wanted(ticket):
        return
    sent = notify_citizen(ticket=ticket, template=Template.SURVEY, key=f"survey:{event.pk}")
    if sent:
        _event(ticket, EventKind.SURVEY_SENT, channels=sorted(notification.channel for notification in sent))


@dataclass(frozen=True)
class Outcome:
    """What the agent says happened when they close or reject a ticket (see ``outcome_for``)."""

    kind: str
    competent_body: str = ""
    duplicate_of: Ticket | None = None


def outcome_for(*, ticket: Ticket, kind: str, competent_body: str = "", duplicate_reference: str = "") -> Outcome:
    """Check an agent's closing outcome: the competent body named, the kept ticket known and not this one."""
    if kind not in ClosingOutcome.values:
        raise ValidationError(_("Indiquez l’issue de la demande."))
    competent_body = " ".join(competent_body.split())
    if kind == ClosingOutcome.NOT_FOR_TOWN_HALL and not competent_body:
        raise ValidationError(_("Indiquez l’organisme compétent vers lequel l’usager doit se tourner."))
    if kind != ClosingOutcome.DUPLICATE:
        return Outcome(kind=kind, competent_body=competent_body if kind == ClosingOutcome.NOT_FOR_TOWN_HALL else "")
    normalised = references.normalise(duplicate_reference)
    if not duplicate_reference.strip():
        raise ValidationError(_("Indiquez le numéro de suivi de la demande conservée."))
    # One commune per installation: every ticket of the database is the same commune's.
    kept = Ticket.objects.filter(reference=normalised).first() if normalised else None
    if kept is None:
        raise ValidationError(
            _("Aucune demande ne porte le numéro %(reference)s.") % {"reference": duplicate_reference}
        )
    if kept.pk == ticket.pk:
        raise ValidationError(_("Une demande ne peut pas être le doublon d’elle-même."))
    if kept.duplicate_of_id is not None and kept.closing_outcome == ClosingOutcome.DUPLICATE:
        raise ValidationError(
            _("La demande %(reference)s est elle-même un doublon : indiquez la demande conservée.")
            % {"reference": kept.reference_display}
        )
    return Outcome(kind=kind, duplicate_of=kept)


def ticket_survey_answered(*, ticket: Ticket, ratings: dict[str, str], comment: str, not_resolved: bool) -> Event:
    """The citizen answered a satisfaction survey: the agents' timeline shows it (the version stays: no form turns
    stale, and the citizen's page does not change)."""
    return _event(
        ticket,
        EventKind.SURVEY_ANSWERED,
        actor_kind=AuthorKind.CITIZEN,
        channel=Channel.WEB,
        comment=comment,
        not_resolved=not_resolved,
        ease=ratings["ease"],
        quality=ratings["quality"],
        delay=ratings["delay"],
    )


def ticket_reopen_by_survey(*, ticket: Ticket, body: str) -> bool:
    """ "My problem is not solved": the citizen's words go to the thread, which reopens the ticket and alerts the
    agent as any reply of theirs would, within the same rules (not a rejected one, nor one closed too long ago)."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if not citizen_can_reply(ticket):
            return False
        from_status = ticket.status
        message = message_post_by_citizen(ticket=ticket, body=body, channel=Channel.WEB)
        _event(
            ticket,
            EventKind.SURVEY_REOPENED,
            actor_kind=AuthorKind.CITIZEN,
            channel=Channel.WEB,
            previous=from_status,
            message=message.pk,
        )
    return True


def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: User, expected_version: int | None = None) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        if assignee is not None and not roles.works_for(assignee, ticket.service):
            raise ValidationError(_("Cet agent ne travaille pas pour le service de cette demande."))
        previous = ticket.assignee
        ticket.assignee = assignee
        _touch(ticket, "assignee")
        _facts_moved(ticket)
        _event(
            ticket,
            EventKind.ASSIGNED,
            actor=actor,
            previous=previous.get_username() if previous else "",
            assignee=assignee.get_username() if assignee else "",
        )
    return ticket


def ticket_transfer(
    *, ticket: Ticket, service: Service, actor: User, reason: str, expected_version: int | None = None
) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        previous = ticket.service
        ticket.service = service
        ticket.assignee = None  # the new service decides who handles it
        _touch(ticket, "service", "assignee")
        _facts_moved(ticket)
        event = _event(
            ticket, EventKind.TRANSFERRED, actor=actor, reason=reason, previous=previous.slug, service=service.slug
        )
        notify_service_of_new_ticket_later(ticket=ticket, key=f"transfer:{event.pk}")
    return ticket


# The implicit-decision clock (CRPA; the rules are in tickets/legal.py and docs/LEGAL.md) ------------------


def documents_request(
    *,
    ticket: Ticket,
    agent: User,
    items: list[str],
    deadline: datetime.date,
    expected_version: int | None = None,
) -> DocumentRequest:
    """Ask the citizen for missing documents (L114-5): the list and the time allowed; the clock stops meanwhile.

    Silence meaning acceptance: the delay will run again, in full, from the documents' receipt (no date until
    then). Silence meaning rejection: the delay is suspended for the time allowed, so the date moves by that much
    now, and back by what is left if the documents come earlier (``documents_received``).
    The request is a reply in the thread, sent by the citizen's channel like any request for information.
    """
    items = [item.strip() for item in items if item.strip()]
    today = timezone.localdate()
    if not items:
        raise ValidationError(_("Indiquez au moins une pièce manquante."))
    if deadline <= today:
        raise ValidationError(_("Le délai pour fournir les pièces doit se terminer après aujourd'hui."))
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        if ticket.status not in OPEN_STATUSES or ticket.decision:
            raise InvalidTransition(_("Cette demande n'est plus en cours d'instruction."))
        if DocumentRequest.objects.filter(ticket=ticket, completed_at__isnull=True).exists():
            raise InvalidTransition(
                _("Des pièces sont déjà demandées : marquez-les reçues avant d'en demander d'autres.")
            )
        regime = ticket.request_type.legal_regime
        previous = ticket.implicit_decision_on
        ticket.implicit_decision_on = _suspended_decision_on(regime, previous, asked_on=today, resumed_on=deadline)
        with translation.override("fr"):  # citizen-facing, whatever the agent's interface language
            body = render_to_string(
                "tickets/documents_requested.txt",
                {"items": items, "deadline": deadline, "regime": regime, "decision_on": ticket.implicit_decision_on},
            ).strip()
        message = Message.objects.create(
            ticket=ticket, author_kind=AuthorKind.AGENT, author=agent, channel="", body=body
        )
        request = DocumentRequest.objects.create(
            ticket=ticket,
            items=items,
            deadline=deadline,
            asked_at=timezone.now(),
            asked_by=agent,
            message=message,
            suspended_decision_on=previous,
        )
        _event(
            ticket,
            EventKind.DOCUMENTS_REQUESTED,
            actor=agent,
            message=message.pk,
            items=items,
            deadline=deadline.isoformat(),
            suspended_date=previous.isoformat() if previous else "",
        )
        _append_search_text(ticket, body)
        if ticket.status == Status.AWAITING_CITIZEN:
            _touch(ticket, "implicit_decision_on")
        else:
            _set_status(ticket, Status.AWAITING_CITIZEN, actor=agent)
        notify_citizen(
            ticket=ticket,
            template=Template.INFO_REQUESTED,
            key=f"message:{message.pk}",
            context={"message_id": message.pk},
        )
    return request


def _suspended_decision_on(
    regime: str, previous: datetime.date | None, *, asked_on: datetime.date, resumed_on: datetime.date
) -> datetime.date | None:
    """The implicit-decision date while documents are missing (L114-5), if they arrive on ``resumed_on``.

    SVA: none, the delay has not started. SVR: the date moves by the days the clock was suspended.
    """
    if regime != LegalRegime.SVR or previous is None:
        return None
    return previous + max(resumed_on - asked_on, datetime.timedelta(0))


def documents_received(
    *, ticket: Ticket, agent: User, received_on: datetime.date, expected_version: int | None = None
) -> DocumentRequest:
    """The missing documents arrived on ``received_on``: the clock runs again (L114-5).

    SVA: the whole delay from ``received_on``. SVR: the suspension ends on ``received_on`` (or at the deadline,
    if later). The citizen is told the new implicit-decision date in the thread, by their channel.
    """
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        request = DocumentRequest.objects.select_for_update().filter(ticket=ticket, completed_at__isnull=True).first()
        if request is None:
            raise InvalidTransition(_("Aucune pièce n'est en attente pour cette demande."))
        asked_on = timezone.localdate(request.asked_at)
        if not asked_on <= received_on <= timezone.localdate():
            raise ValidationError(
                _("La date de réception doit être comprise entre la demande des pièces et aujourd'hui.")
            )
        request.received_on = received_on
        request.completed_at = timezone.now()
        request.completed_by = agent
        request.save(update_fields=["received_on", "completed_at", "completed_by"])
        regime = ticket.request_type.legal_regime
        if ticket.decision:
            pass  # decided meanwhile: the clock no longer matters
        elif regime == LegalRegime.SVR:
            ticket.implicit_decision_on = _suspended_decision_on(
                regime, request.suspended_decision_on, asked_on=asked_on, resumed_on=min(received_on, request.deadline)
            )
        else:
            ticket.implicit_decision_on = _implicit_decision_on(ticket.request_type, received_on)
        message = None
        if ticket.implicit_decision_on and not ticket.decision:
            with translation.override("fr"):
                body = render_to_string(
                    "tickets/documents_received.txt",
                    {"received_on": received_on, "decision_on": ticket.implicit_decision_on, "regime": regime},
                ).strip()
            message = Message.objects.create(
                ticket=ticket, author_kind=AuthorKind.AGENT, author=agent, channel="", body=body
            )
        _event(
            ticket,
            EventKind.DOCUMENTS_RECEIVED,
            actor=agent,
            received_on=received_on.isoformat(),
            implicit_decision_on=ticket.implicit_decision_on.isoformat() if ticket.implicit_decision_on else "",
            message=message.pk if message else None,
        )
        if ticket.status == Status.AWAITING_CITIZEN:
            _set_status(ticket, Status.IN_PROGRESS, actor=agent)
        else:
            _touch(ticket, "implicit_decision_on")
        if message is not None:
            notify_citizen(
                ticket=ticket,
                template=Template.AGENT_REPLY,
                key=f"message:{message.pk}",
                context={"message_id": message.pk},
            )
    return request


def implicit_decision_record(*, ticket_id: int, today: datetime.date) -> Ticket | None:
    """The delay ended without an express answer: the silence decides (L231-1 acceptance, L231-4 rejection).

    Records it exactly once, whoever runs it and however often: under the ticket's lock, a ticket already decided,
    closed, suspended or not yet due is left alone (returns None). The citizen gets a system message in the thread
    (for a rejection: the appeal routes and delays; for an acceptance: the attestation of L232-3) by their channel.
    """
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("citizen", "service", "assignee", "request_type")
            .filter(pk=ticket_id)
            .first()
        )
        decision_on = ticket.implicit_decision_on if ticket else None
        if ticket is None or decision_on is None or not legal.is_acquired(decision_on, today):
            return None
        if ticket.decision or ticket.status not in OPEN_STATUSES:
            return None
        accepted = ticket.request_type.legal_regime == LegalRegime.SVA
        ticket.decision = Decision.IMPLICIT_ACCEPTANCE if accepted else Decision.IMPLICIT_REJECTION
        with translation.override("fr"):
            body = render_to_string(
                "tickets/implicit_decision.txt",
                {
                    "ticket": ticket,
                    "accepted": accepted,
                    "decision_on": decision_on,
                    "appeal_deadline": legal.appeal_deadline(decision_on),
                    "commune": Commune.current(),
                },
            ).strip()
        message = Message.objects.create(
            ticket=ticket, author_kind=AuthorKind.SYSTEM, channel="", body=body, visibility=Visibility.PUBLIC
        )
        _event(
            ticket,
            EventKind.IMPLICIT_ACCEPTANCE if accepted else EventKind.IMPLICIT_REJECTION,
            message=message.pk,
            decision_on=decision_on.isoformat(),
        )
        _set_status(ticket, Status.ANSWERED, actor=None, actor_kind=AuthorKind.SYSTEM)
        notify_citizen(
            ticket=ticket,
            template=Template.IMPLICIT_DECISION,
            key="implicit-decision",
            context={"message_id": message.pk},
        )
        notify_followers(
            ticket=ticket,
            template=Template.FOLLOWER_UPDATE,
            key="implicit-decision",
            change=FollowerChange.IMPLICIT_ACCEPTANCE if accepted else FollowerChange.IMPLICIT_REJECTION,
            context={"decision_on": decision_on.isoformat()},
        )
    return ticket


def implicit_decision_warn(*, ticket_id: int, today: datetime.date) -> Event | None:
    """Warn the agents once that the commune's silence is about to decide (the Commune's working days before).

    The agent in charge, else the service's agents, immediately or in their digest as each chose. Once per
    implicit-decision date: a date moved by missing documents is warned about again. Like delivery events, this
    leaves the ticket's version alone: the form an agent has open stays valid.
    """
    commune = Commune.current()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("service", "assignee", "request_type")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.decision or ticket.status not in OPEN_STATUSES or not ticket.implicit_decision_on:
            return None
        limit = commune.calendar.add_working_days(today, commune.implicit_decision_warning_days)
        if ticket.implicit_decision_on > limit or ticket.implicit_decision_warned_for == ticket.implicit_decision_on:
            return None
        Ticket.objects.filter(pk=ticket.pk).update(implicit_decision_warned_for=ticket.implicit_decision_on)
        key = f"implicit-near:{ticket.implicit_decision_on.isoformat()}"
        assignee_agent = getattr(ticket.assignee, "agent", None) if ticket.assignee else None
        agents = (
            [assignee_agent]
            if assignee_agent is not None
            else list(Agent.objects.filter(services=ticket.service, role=Role.SERVICE_AGENT).select_related("user"))
        )
        alerted = [
            alert_agent(agent=agent, ticket=ticket, template=Template.IMPLICIT_DECISION_NEAR, key=key)
            for agent in agents
        ]
        event = _event(
            ticket,
            EventKind.IMPLICIT_DECISION_NEAR,
            decision_on=ticket.implicit_decision_on.isoformat(),
            alerted=sorted(alert.recipient for alert in alerted if alert is not None),
        )
        status_page_forget(ticket.reference)
    return event


# Operations on many tickets at once (citizen merge, account claims and deletion) ---------------
# Set-based: a citizen with thousands of tickets costs a few queries, not a few per ticket.


def tickets_move_to_citizen(
    *, citizen: Citizen, event_data: Mapping[int, dict[str, Any]], kind: str, actor: User, actor_kind: str
) -> list[int]:
    """Give these tickets (the keys of ``event_data``) to ``citizen``, each with a ``kind`` event of its data.

    Used by the merge of two citizen records and by account claims. Returns the ids moved; their search
    text still names the former citizen: the caller rebuilds it (``tickets_search_reindex``) once the
    citizen record itself is final.
    """
    ids = sorted(event_data)
    if not ids:
        return ids
    with transaction.atomic():
        tickets = Ticket.objects.filter(pk__in=ids)
        references = list(tickets.values_list("reference", flat=True))
        tickets.update(citizen=citizen, updated_at=timezone.now(), version=F("version") + 1)
        Event.objects.bulk_create(
            Event(ticket_id=pk, kind=kind, actor=actor, actor_kind=actor_kind, data=event_data[pk]) for pk in ids
        )
        status_pages_forget(references)
    return ids


def tickets_strip_personal_data(*, citizen: Citizen, actor: User | None = None) -> list[int]:
    """The citizen's account is deleted: their tickets lose contact answers and personal links, not their content.

    Each ticket gets an ``account_deleted`` event, or ``personal_data_erased`` naming the agent (``actor``) who
    answered the citizen's erasure request. Returns the ids of the tickets (the caller anonymises the record, then
    rebuilds their search text).
    """
    kind, actor_kind = (
        (EventKind.PERSONAL_DATA_ERASED, AuthorKind.AGENT) if actor else (EventKind.ACCOUNT_DELETED, AuthorKind.CITIZEN)
    )
    with transaction.atomic():
        tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(citizen=citizen).order_by("pk"))
        now = timezone.now()
        for ticket in tickets:
            ticket.answers = [answer for answer in ticket.answers if answer.get("kind") not in PERSONAL_ANSWER_KINDS]
            ticket.updated_at = now
            ticket.version += 1
        Ticket.objects.bulk_update(tickets, ["answers", "updated_at", "version"], batch_size=500)
        # Personal links and codes stop working.
        AccessToken.objects.filter(ticket__in=tickets).delete()
        AccessCode.objects.filter(ticket__in=tickets).delete()
        Event.objects.bulk_create(
            Event(ticket=ticket, kind=kind, actor=actor, actor_kind=actor_kind) for ticket in tickets
        )
        status_pages_forget([ticket.reference for ticket in tickets])
    return [ticket.pk for ticket in tickets]


def tickets_search_reindex(*, ticket_ids: Iterable[int]) -> None:
    """Rebuild the search text of tickets whose citizen changed, or whose citizen's name or contact changed.

    Derived data only: the version is not bumped (an agent's open form stays valid) and nothing the status
    page shows changes.
    """
    ids = list(ticket_ids)
    if not ids:
        return
    with transaction.atomic():
        # Locked like message posting locks before appending to it: no message text is lost.
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("citizen", "request_type")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        bodies: dict[int, list[str]] = defaultdict(list)
        messages = Message.objects.filter(ticket_id__in=ids).order_by("created_at", "pk")
        for ticket_id, body in messages.values_list("ticket_id", "body"):
            bodies[ticket_id].append(body)
        for ticket in tickets:
            ticket.search_text = build_search_text(ticket, bodies[ticket.pk])
        Ticket.objects.bulk_update(tickets, ["search_text"], batch_size=500)


def ticket_notification_event(*, ticket: Ticket, kind: str, data: dict[str, str], actor: User | None = None) -> Event:
    """A notification of the ticket was sent, failed, bounced or was sent again: the timeline says so.

    The delivery worker records these seconds after the agent's action: they do not bump the version, which
    would turn stale the form the agent has just been shown (the status page is forgotten all the same).
    """
    # The data names the notification's own channel: it is not the event's (which is how the ticket came in).
    # The moment is read here, not left to the column's default: the acknowledgement below is dated with it.
    event = Event.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        actor_kind=AuthorKind.AGENT if actor else AuthorKind.SYSTEM,
        data=data,
        created_at=timezone.now(),
    )
    if kind == EventKind.NOTIFICATION_SENT and data.get("template") == Template.ACKNOWLEDGEMENT:
        ticket_acknowledged(ticket=ticket, at=event.created_at)
    status_page_forget(ticket.reference)
    return event


# Retention (guichet.retention) ----------------------------------------------------------------
# Anonymisation keeps what the statistics read (docs/RETENTION.md): closed choices among the answers, the
# postcode of an address (a commune-level location), and in the events only these keys of their data.
KEPT_ANSWER_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTIPLE_CHOICE})
KEPT_EVENT_DATA = frozenset(
    {"due_date_extended_by", "notification", "template", "channel", "message", "attachment", "service", "policy"}
)
POSTCODE = re.compile(r"\b\d{5}\b")


def _anonymised_answer(answer: dict[str, Any]) -> dict[str, Any]:
    kind = answer.get("kind")
    if kind in KEPT_ANSWER_KINDS:
        return answer
    value: Any = ""
    address = answer.get("value")
    if kind == FieldKind.ADDRESS and isinstance(address, dict):
        value = {"street": "", "postcode": address.get("postcode", ""), "city": address.get("city", "")}
    elif kind == FieldKind.ADDRESS and (postcode := POSTCODE.search(str(address))):
        value = {"street": "", "postcode": postcode.group(), "city": ""}
    return {**answer, "value": value}


def ticket_anonymise(*, ticket: Ticket, policy: str, actor: User | None = None, reason: str = "") -> Ticket | None:
    """Remove the ticket's personal data; keep its type, service, channel, dates, statuses and events' times.

    The citizen link, free-text answers, subject, thread bodies, attachments and their files, personal links
    and codes go; the events keep only ``KEPT_EVENT_DATA``. An ``anonymised`` event names the policy (never a
    person). Returns None, changing nothing, for a ticket under legal hold or already anonymised.
    """
    with transaction.atomic():
        ticket = _lock(ticket, related=("request_type",))
        if ticket.anonymised_at is not None or ticket.legal_hold_at is not None:
            return None
        ticket.citizen = None
        ticket.household_member = None
        ticket.subject = ticket.request_type.name[:200]
        ticket.answers = [_anonymised_answer(answer) for answer in ticket.answers]
        # The place may be the citizen's home: only the commune (address_citycode) stays.
        ticket.address_label, ticket.latitude, ticket.longitude, ticket.address_in_base = "", None, None, None
        # The people who said « moi aussi » or whose duplicate was merged here are no longer linked to it.
        TicketFollower.objects.filter(ticket=ticket).delete()
        ticket.anonymised_at = timezone.now()
        ticket.search_text = build_search_text(ticket)
        # One query says which of the ticket's rows exist: most old tickets have no files, links or codes left.
        has = (
            Ticket.objects.filter(pk=ticket.pk)
            .annotate(
                files=Exists(Attachment.objects.filter(ticket=OuterRef("pk"))),
                tokens=Exists(AccessToken.objects.filter(ticket=OuterRef("pk"))),
                codes=Exists(AccessCode.objects.filter(ticket=OuterRef("pk"))),
            )
            .values("files", "tokens", "codes")
            .get()
        )
        files = []
        if has["files"]:
            attachments = Attachment.objects.filter(ticket=ticket)
            files = [name for name in attachments.values_list("file", flat=True) if name]
            attachments.delete()
        if has["tokens"]:
            AccessToken.objects.filter(ticket=ticket).delete()
        if has["codes"]:
            AccessCode.objects.filter(ticket=ticket).delete()
        Message.objects.filter(ticket=ticket).update(body="")
        # The missing documents' list is the agent's free text about this citizen's file.
        DocumentRequest.objects.filter(ticket=ticket).update(items=[])
        events = [
            event for event in Event.objects.filter(ticket=ticket).only("data") if set(event.data) - KEPT_EVENT_DATA
        ]
        for event in events:
            event.data = {key: value for key, value in event.data.items() if key in KEPT_EVENT_DATA}
        if events:
            Event.objects.bulk_update(events, ["data"], batch_size=500)
        _touch(
            ticket,
            "citizen",
            "household_member",
            "subject",
            "answers",
            "address_label",
            "latitude",
            "longitude",
            "address_in_base",
            "anonymised_at",
            "search_text",
        )
        data: dict[str, Any] = {"policy": policy, **({"reason": reason} if reason else {})}
        _event(ticket, EventKind.ANONYMISED, actor=actor, **data)
        transaction.on_commit(lambda: _delete_files(files))
    return ticket


def ticket_delete_expired(*, ticket: Ticket) -> bool:
    """A policy that deletes: the ticket, its thread, events and attachments (files once committed) go.

    False, changing nothing, for a ticket under legal hold."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.legal_hold_at is not None:
            return False
        files = [name for name in Attachment.objects.filter(ticket=ticket).values_list("file", flat=True) if name]
        reference = ticket.reference
        ticket_facts.on_deleted(ticket, TicketFacts)
        ticket.delete()
        transaction.on_commit(lambda: status_page_forget(reference))
        transaction.on_commit(lambda: _delete_files(files))
    return True


def ticket_legal_hold_set(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    """Suspend the ticket's retention (a dispute, an inquiry): only supervisors and administrators."""
    if not roles.may_set_legal_hold(actor):
        raise PermissionDenied
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValidationError(_("Indiquez le motif du gel."))
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.legal_hold_reason = reason
        ticket.legal_hold_at = ticket.legal_hold_at or timezone.now()
        _touch(ticket, "legal_hold_reason", "legal_hold_at")
        _event(ticket, EventKind.LEGAL_HOLD_SET, actor=actor, reason=reason)
    return ticket


def ticket_legal_hold_release(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    if not roles.may_set_legal_hold(actor):
        raise PermissionDenied
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValidationError(_("Indiquez pourquoi le gel est levé."))
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.legal_hold_at is None:
            return ticket
        ticket.legal_hold_reason = ""
        ticket.legal_hold_at = None
        _touch(ticket, "legal_hold_reason", "legal_hold_at")
        _event(ticket, EventKind.LEGAL_HOLD_RELEASED, actor=actor, reason=reason)
    return ticket


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _lock(ticket: Ticket, *, expected_version: int | None = None, related: tuple[str, ...] = ()) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("citizen", "service", "assignee", "request_type", *related)
        .get(pk=ticket.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleTicket()
    return locked


def _check_transition(ticket: Ticket, to_status: str) -> None:
    if not can_transition(ticket.status, to_status):
        raise InvalidTransition(
            _("Une demande « %(from)s » ne peut pas passer à « %(to)s ».")
            % {"from": Status(ticket.status).label, "to": Status(to_status).label}
        )


def _set_status(
    ticket: Ticket,
    to_status: str,
    *,
    actor: User | None,
    actor_kind: str = AuthorKind.AGENT,
    channel: str = "",
    reason: str = "",
    outcome: Outcome | None = None,
    now: datetime.datetime | None = None,
) -> Event:
    now = now or timezone.now()
    from_status = ticket.status
    data: dict[str, Any] = {"reason": reason} if reason else {}
    if to_status in ENDED_STATUSES:
        outcome = outcome or Outcome(kind=DEFAULT_OUTCOMES[to_status])
        data["outcome"] = outcome.kind
        if outcome.competent_body:
            data["competent_body"] = outcome.competent_body
        if outcome.duplicate_of is not None:
            data["duplicate_of"] = outcome.duplicate_of.reference
    else:
        outcome = Outcome(kind="")
    ticket.closing_outcome = outcome.kind
    ticket.competent_body = outcome.competent_body
    ticket.duplicate_of = outcome.duplicate_of
    commune = Commune.current()
    calendar = commune.calendar
    paused = 0
    if from_status == Status.AWAITING_CITIZEN:
        # The clock stops while the town hall waits for the citizen: the deadline moves by that much.
        paused = calendar.working_days_between(timezone.localdate(ticket.status_changed_at), timezone.localdate(now))
        if paused:
            ticket.due_date = calendar.add_working_days(ticket.due_date, paused)
            ticket.target_paused_days += paused
            data["due_date_extended_by"] = paused
        # Tickets with targets move them by the working time (opening hours) waited, and their due date with them.
        paused_time = calendar.working_time_between(ticket.status_changed_at, now)
        ticket.target_paused_seconds += int(paused_time.total_seconds())
        if ticket.resolution_due is not None:
            _targets_apply(ticket, commune)
    decides = ticket.request_type.has_implicit_decision and not ticket.decision
    if to_status in EXPRESS_DECISION_STATUSES and actor is not None and decides:
        # An express answer before the implicit-decision date: the silence decides nothing any more.
        ticket.decision = Decision.EXPRESS
        data["decision"] = Decision.EXPRESS
    if to_status in NOTIFIED_STATUSES:
        _first_response(ticket, now)
    ticket.status = to_status
    ticket.status_changed_at = now
    ticket.closed_at = ticket.status_changed_at if to_status in ENDED_STATUSES else None
    if to_status not in (Status.RECEIVED, Status.IN_PROGRESS):
        ticket.escalation = ""  # the clock is paused or stopped: nothing is about to be missed
    _touch(
        ticket,
        "status",
        "status_changed_at",
        "closed_at",
        "due_date",
        "decision",
        "implicit_decision_on",
        "closing_outcome",
        "competent_body",
        "duplicate_of",
        "target_paused_seconds",
        "target_paused_days",
        "first_responded_at",
        "escalation",
        *TARGET_FIELDS,
    )
    event = _event(
        ticket,
        EventKind.STATUS_CHANGED,
        actor=actor,
        actor_kind=actor_kind,
        channel=channel,
        from_status=from_status,
        to_status=to_status,
        at=now,
        **data,
    )
    _facts_status_changed(ticket, from_status=from_status, paused_days=paused, now=now, calendar=calendar)
    if from_status in REOPENED_FROM and to_status in OPEN_STATUSES:
        # A reopening (answered, closed or rejected to open again), whoever reopens it (the author's reply, their survey, an agent, an undone merge): followers are told.
        notify_followers(
            ticket=ticket, template=Template.FOLLOWER_UPDATE, key=f"status:{event.pk}", change=FollowerChange.REOPENED
        )
    return event


# Priorities, targets and escalation (docs/METRICS.md, "Targets") -------------------------------


def ticket_change_priority(
    *, ticket: Ticket, priority: Priority, actor: User, expected_version: int | None = None
) -> Ticket:
    """An agent gives the ticket another priority: its targets are computed again from the receipt.

    The escalation steps of the former targets stay in the timeline; those of the new targets happen
    when their moments come (a new due moment is a new round, see ``ticket_escalate``).
    """
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        if priority.pk == ticket.priority_id:
            raise ValidationError(_("La demande a déjà la priorité « %(name)s ».") % {"name": priority.name})
        previous = ticket.priority
        ticket.priority = priority
        _targets_apply(ticket, Commune.current())
        _touch(ticket, "priority", "escalation", *TARGET_FIELDS)
        _event(
            ticket,
            EventKind.PRIORITY_CHANGED,
            actor=actor,
            previous=previous.name if previous else "",
            priority=priority.name,
            first_response_due=_iso(ticket.first_response_due),
            resolution_due=_iso(ticket.resolution_due),
        )
    return ticket


def ticket_escalate(*, ticket_id: int, target: str, step: str, now: datetime.datetime | None = None) -> bool:
    """Record one escalation step of a target, once: event, alerts and the inbox's mark, in one transaction.

    Checked again under the ticket's lock (the job read it earlier); the unique constraint on
    ``Escalation`` makes a second worker's attempt at the same step a no-op. Derived from the clock, not
    an agent's change: the version is left alone so that an agent's open form stays valid.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("service", "request_type", "priority")
            .filter(pk=ticket_id, status__in=[Status.RECEIVED, Status.IN_PROGRESS])
            .first()
        )
        if ticket is None or not _step_due(ticket, target, step, now):
            return False
        due = ticket.first_response_due if target == TargetKind.FIRST_RESPONSE else ticket.resolution_due
        assert due is not None  # _step_due checked it
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    ticket=ticket, target=target, step=step, due_at=due, created_at=now
                )
        except IntegrityError:
            return False
        Event.objects.create(
            ticket=ticket,
            kind=EventKind.ESCALATED,
            actor_kind=AuthorKind.SYSTEM,
            data={"target": target, "step": step, "due_at": due.isoformat()},
            created_at=now,
        )
        if ticket.escalation != EscalationStep.MISSED:
            Ticket.objects.filter(pk=ticket.pk).update(escalation=step)
        template = Template.TARGET_MISSED if step == EscalationStep.MISSED else Template.TARGET_AT_RISK
        notify_escalation(
            ticket=ticket,
            template=template,
            key=f"escalation:{escalation.pk}",
            context={"escalation_target": target, "due_at": due.isoformat()},
        )
    return True


def tickets_targets_recompute(*, batch_size: int = 500) -> int:
    """The calendar (closures, opening hours, holidays' subdivision) or a priority's targets changed: every
    open ticket with targets gets them again, by batches, each batch in its own transaction.

    Derived data like the search text: the version is not bumped. A ticket whose due moments move loses its
    escalation mark; the next escalation run sets it again if the new targets call for it. Returns how many
    tickets changed.
    """
    Commune.forget_cached()  # the worker may hold a calendar older than the change
    commune = Commune.current()
    changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(of=("self",))
                .select_related("priority", "request_type")
                .filter(pk__gt=last_pk, status__in=sorted(OPEN_STATUSES), resolution_due__isnull=False)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return changed
            last_pk = batch[-1].pk
            moved = [ticket for ticket in batch if _targets_apply(ticket, commune)]
            Ticket.objects.bulk_update(moved, ["escalation", *TARGET_FIELDS], batch_size=batch_size)
            status_pages_forget([ticket.reference for ticket in moved])
            changed += len(moved)


def _targets_apply(ticket: Ticket, commune: Commune) -> bool:
    """Compute the ticket's targets on the instance; True when a due moment moved (its escalation mark goes)."""
    targets = targets_compute(
        calendar=commune.calendar,
        received=ticket.created_at,
        priority=ticket.priority,
        deadline_days=ticket.request_type.deadline_days,
        warning_percent=commune.escalation_warning_percent,
        paused=datetime.timedelta(seconds=ticket.target_paused_seconds),
        paused_days=ticket.target_paused_days,
    )
    before = (ticket.first_response_due, ticket.resolution_due)
    ticket.first_response_due = targets.first_response.due if targets.first_response else None
    ticket.first_response_warn_at = targets.first_response.warn_at if targets.first_response else None
    ticket.resolution_due = targets.resolution.due
    ticket.resolution_warn_at = targets.resolution.warn_at
    ticket.due_date = targets.due_date(commune.calendar)
    moved = before != (ticket.first_response_due, ticket.resolution_due)
    if moved:
        ticket.escalation = ""
    return moved


def _first_response(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now or timezone.now()
        if ticket.resolution_due is None:  # a ticket older than targets
            ticket.escalation = ""
            return
        # Only the resolution target is left: its own steps, for its current due moment, make the mark.
        steps = set(
            Escalation.objects.filter(
                ticket=ticket, target=TargetKind.RESOLUTION, due_at=ticket.resolution_due
            ).values_list("step", flat=True)
        )
        ticket.escalation = next(
            (step for step in (EscalationStep.MISSED, EscalationStep.WARNING) if step in steps), ""
        )


def _step_due(ticket: Ticket, target: str, step: str, now: datetime.datetime) -> bool:
    if target == TargetKind.FIRST_RESPONSE:
        if ticket.first_responded_at is not None:
            return False
        due, warn_at = ticket.first_response_due, ticket.first_response_warn_at
    else:
        due, warn_at = ticket.resolution_due, ticket.resolution_warn_at
    if due is None or warn_at is None:
        return False
    if step == EscalationStep.MISSED:
        return due <= now
    return warn_at <= now < due


def _iso(moment: datetime.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _normalise_text(text: str) -> str:
    """Browsers post CRLF line ends; store plain newlines and no trailing blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _append_search_text(ticket: Ticket, text: str) -> None:
    # Appended in the database: the (possibly long) text is never rewritten whole.
    Ticket.objects.filter(pk=ticket.pk).update(search_text=Concat(F("search_text"), Value(search_fragment(text))))


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.version += 1
    ticket.save(update_fields=[*fields, "updated_at", "version"])
    status_page_forget(ticket.reference)


def _event(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None = None,
    actor_kind: str | None = None,
    channel: str = "",
    from_status: str = "",
    to_status: str = "",
    at: datetime.datetime | None = None,
    **data: Any,
) -> Event:
    # ``at``: the moment the ticket's statistics record for this event (tickets.facts), the same to the microsecond.
    return insert(
        Event(
            ticket=ticket,
            kind=kind,
            actor=actor,
            actor_kind=actor_kind or (AuthorKind.AGENT if actor else AuthorKind.SYSTEM),
            channel=channel,
            from_status=from_status,
            to_status=to_status,
            data=data,
            **({"created_at": at} if at is not None else {}),
        )
    )


# The statistics' per-ticket facts (tickets.facts, issue 14), kept in the transaction of each change. -------


def _facts_moved(ticket: Ticket) -> None:
    ticket_facts.on_moved(ticket, TicketFacts)


def _facts_public_reply(ticket: Ticket, now: datetime.datetime) -> None:
    ticket_facts.on_public_reply(ticket, TicketFacts, now=now, calendar=Commune.current().calendar)


def _facts_status_changed(
    ticket: Ticket, *, from_status: str, paused_days: int, now: datetime.datetime, calendar: WorkingCalendar
) -> None:
    pause_started = None
    if from_status == Status.AWAITING_CITIZEN:
        # The wait began at the latest change into awaiting_citizen (docs/METRICS.md, "Wait for the citizen").
        pause_started = (
            Event.objects.filter(
                ticket=ticket, kind=EventKind.STATUS_CHANGED, to_status=Status.AWAITING_CITIZEN, created_at__lte=now
            )
            .order_by("-created_at", "-pk")
            .values_list("created_at", flat=True)
            .first()
        )
    ticket_facts.on_status_changed(
        ticket,
        TicketFacts,
        from_status=from_status,
        pause_started=pause_started,
        paused_days=paused_days,
        now=now,
        calendar=calendar,
    )


# Followers and merged duplicates (issue 17) ----------------------------------------------------


def ticket_follow(*, ticket: Ticket, citizen: Citizen, channel: str = Channel.WEB) -> TicketFollower:
    """« Moi aussi »: ``citizen`` is affected by this open ticket and is told of its answer and closing.

    Saying it twice keeps one link (and one confirmation); the ticket's own author is refused. The event
    names no one: the follower's contact details stay on their citizen record.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        if not ticket.is_open:
            raise ValidationError(
                _("Cette demande est terminée : déposez une nouvelle demande si le problème persiste.")
            )
        if ticket.citizen_id == citizen.pk:
            raise ValidationError(_("Vous avez vous-même déposé cette demande."))
        follower, created = TicketFollower.objects.get_or_create(
            ticket=ticket, citizen=citizen, defaults={"how": FollowerHow.ME_TOO}
        )
        if not created:
            return follower
        _event(ticket, EventKind.FOLLOWER_ADDED, actor_kind=AuthorKind.CITIZEN, channel=channel, how=FollowerHow.ME_TOO)
        _touch(ticket)
        notify_followers(ticket=ticket, template=Template.FOLLOWER_ADDED, key="followed", followers=[follower])
    return follower


def ticket_merge(*, duplicate: Ticket, kept: Ticket, actor: User) -> Ticket:
    """Close ``duplicate`` as a duplicate of ``kept``: its author and its followers follow ``kept`` and are told;
    one event each side.

    Both threads stay as they are. An open duplicate ends « sans suite » (the lifecycle allows no other end
    before an answer), an answered one is closed; either way its outcome is « doublon » with the link.
    """
    with transaction.atomic():
        first, second = sorted((duplicate, kept), key=lambda ticket: ticket.pk)
        locked = {ticket.pk: _lock(ticket) for ticket in (first, second)}
        duplicate, kept = locked[duplicate.pk], locked[kept.pk]
        if not duplicate.is_open and duplicate.status != Status.ANSWERED:
            raise ValidationError(_("Cette demande est déjà terminée : rouvrez-la pour la fusionner."))
        outcome = outcome_for(ticket=duplicate, kind=ClosingOutcome.DUPLICATE, duplicate_reference=kept.reference)
        if not kept.is_open and kept.status != Status.ANSWERED:
            raise ValidationError(_("La demande conservée est terminée : rouvrez-la d’abord."))
        to_status = Status.CLOSED if duplicate.status == Status.ANSWERED else Status.REJECTED
        _check_transition(duplicate, to_status)
        event = _set_status(duplicate, to_status, actor=actor, outcome=outcome)
        notify_citizen(ticket=duplicate, template=Template.STATUS_CHANGED, key=f"status:{event.pk}")
        _event(duplicate, EventKind.MERGED, actor=actor, kept=kept.reference)
        author, carried = _followers_carry_over(duplicate=duplicate, kept=kept)
        merged = _event(
            kept,
            EventKind.MERGED,
            actor=actor,
            duplicate=duplicate.reference,
            follower=author is not None,
            followers=len(carried),
        )
        _touch(kept)
        told = {"duplicate": duplicate.reference_display}
        if author is not None:
            notify_followers(
                ticket=kept,
                template=Template.FOLLOWER_ADDED,
                key="followed",
                followers=[author],
                change=FollowerChange.MERGED,
                context=told,
            )
        notify_followers(
            ticket=kept,
            template=Template.FOLLOWER_UPDATE,
            key=f"merged:{merged.pk}",
            followers=carried,
            change=FollowerChange.MERGED,
            context=told,
        )
    return duplicate


def _followers_carry_over(*, duplicate: Ticket, kept: Ticket) -> tuple[TicketFollower | None, list[TicketFollower]]:
    """The duplicate's author, and the duplicate's followers, follow ``kept`` (``source``: undone with the merge).

    Returns the author's new follow (None when they already follow it or wrote it) and the duplicate's followers
    to tell (all but ``kept``'s author), whether or not they already followed ``kept``.
    """
    already: set[int | None] = set(TicketFollower.objects.filter(ticket=kept).values_list("citizen_id", flat=True))
    already.add(kept.citizen_id)
    author = None
    if duplicate.citizen_id is not None and duplicate.citizen_id not in already:
        author = TicketFollower.objects.create(
            ticket=kept, citizen_id=duplicate.citizen_id, how=FollowerHow.MERGED, source=duplicate
        )
        already.add(duplicate.citizen_id)
    carried = [
        follower
        for follower in TicketFollower.objects.filter(ticket=duplicate).select_related("citizen").order_by("pk")
        if follower.citizen_id not in (kept.citizen_id, duplicate.citizen_id)
    ]
    TicketFollower.objects.bulk_create(
        [
            TicketFollower(ticket=kept, citizen_id=follower.citizen_id, how=FollowerHow.MERGED, source=duplicate)
            for follower in carried
            if follower.citizen_id not in already
        ]
    )
    return author, carried


def ticket_merge_undo(*, duplicate: Ticket, actor: User) -> Ticket:
    """Undo ``ticket_merge``: the duplicate is back in progress, its author no longer follows the kept ticket."""
    with transaction.atomic():
        duplicate = _lock(duplicate)
        kept = duplicate.duplicate_of
        if kept is None or duplicate.closing_outcome != ClosingOutcome.DUPLICATE:
            raise ValidationError(_("Cette demande n’est pas un doublon fusionné."))
        kept = _lock(kept)
        _check_transition(duplicate, Status.IN_PROGRESS)
        _set_status(duplicate, Status.IN_PROGRESS, actor=actor, reason=_("Fusion de doublon annulée"))
        _event(duplicate, EventKind.MERGE_UNDONE, actor=actor, kept=kept.reference)
        removed, _count = TicketFollower.objects.filter(ticket=kept, source=duplicate).delete()
        _event(kept, EventKind.MERGE_UNDONE, actor=actor, duplicate=duplicate.reference, follower=bool(removed))
        _touch(kept)
    return duplicate


def followers_move_to_citizen(*, keep: Citizen, merge: Citizen) -> int:
    """Two citizen records merge: ``merge``'s follows go to ``keep``, except where ``keep`` already follows the
    ticket or is its author (one link is enough). Returns the follows moved."""
    with transaction.atomic():
        follows = TicketFollower.objects.filter(citizen=merge)
        follows.filter(
            Exists(TicketFollower.objects.filter(ticket=OuterRef("ticket"), citizen=keep)) | Q(ticket__citizen=keep)
        ).delete()
        return follows.update(citizen=keep)


# Issue 17: the place, corrected by an agent; photos shown to the public -------------------------------------


def ticket_change_place(*, ticket: Ticket, place: Place, actor: User, expected_version: int | None = None) -> Ticket:
    """An agent corrects where the request is about: one ``place_changed`` event with the old and new place.

    The nearby index (``ticket_open_located``) follows the columns; the statistics' facts hold no place.
    """
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        before = _place_snapshot(ticket)
        fields = _place_fields(place)
        if place.label == ticket.address_label:
            # The same address (only the pin moved): what the BAN said of it stands, even if it is unreachable now.
            del fields["address_citycode"], fields["address_in_base"]
        for field, value in fields.items():
            setattr(ticket, field, value)
        after = _place_snapshot(ticket)
        if after == before:
            raise ValidationError(_("Le lieu indiqué est celui de la demande : rien n’a changé."))
        ticket.full_clean(exclude=["submission_key", "reference", *RELATED_FIELDS], validate_constraints=False)
        _touch(ticket, *fields)
        _event(ticket, EventKind.PLACE_CHANGED, actor=actor, previous=before, place=after)
    return ticket


def _place_snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "address": ticket.address_label,
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "in_base": ticket.address_in_base,
    }


def attachment_publish(*, attachment: Attachment, actor: User, description: str = "") -> Attachment:
    """An agent looked at a photo the citizen agreed to show and publishes it in the nearby panel.

    ``description``: what it shows, the thumbnail's alternative text (without it, the request type's name)."""
    with transaction.atomic():
        ticket = _lock(attachment.ticket)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, ticket=ticket)
        if not attachment.may_be_published:
            raise ValidationError(
                _(
                    "Cette pièce ne peut pas être rendue publique : seule une photo du formulaire dont l’usager a "
                    "accepté l’affichage public peut l’être."
                )
            )
        if attachment.published_at is not None:
            raise ValidationError(_("Cette photo est déjà publique."))
        if not ticket.is_open:
            raise ValidationError(_("La demande n’est plus ouverte : sa photo ne serait montrée à personne."))
        attachment.published_at, attachment.published_by = timezone.now(), actor
        attachment.public_description = _normalise_text(description)[:150]
        attachment.save(update_fields=["published_at", "published_by", "public_description"])
        _event(
            ticket,
            EventKind.PHOTO_PUBLISHED,
            actor=actor,
            attachment=attachment.public_id,
            name=attachment.original_name,
        )
        _touch(ticket)
    return attachment


def attachment_unpublish(*, attachment: Attachment, actor: User) -> Attachment:
    """The undo: the photo is no longer served to the public (its address answers 404 at once)."""
    with transaction.atomic():
        ticket = _lock(attachment.ticket)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, ticket=ticket)
        if attachment.published_at is None:
            raise ValidationError(_("Cette photo n’est pas publique."))
        attachment.published_at, attachment.published_by, attachment.public_description = None, None, ""
        attachment.save(update_fields=["published_at", "published_by", "public_description"])
        _event(
            ticket,
            EventKind.PHOTO_UNPUBLISHED,
            actor=actor,
            attachment=attachment.public_id,
            name=attachment.original_name,
        )
        _touch(ticket)
    return attachment
