"""Every write to a ticket goes through here: web, agents, mail room, email and API alike.

Each function is one transaction: it checks the rule, saves with update_fields, writes the
timeline event and queues the notifications, which commit (or roll back) together.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.api.models import ApiKey
from guichet.catalogue.models import FieldKind, RequestType
from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember
from guichet.lib import references
from guichet.lib.uploads import CheckedUpload
from guichet.notifications.models import Template
from guichet.notifications.services import (
    notify_agents_of_citizen_message,
    notify_citizen,
    notify_service_of_new_ticket_later,
)
from guichet.organisation import roles
from guichet.organisation.calendar import WorkingCalendar
from guichet.organisation.models import Commune, Service
from guichet.tickets import facts as ticket_facts
from guichet.tickets.exceptions import InvalidTransition, ReplyNotAllowed, StaleTicket
from guichet.tickets.lifecycle import REOPENED_BY_CITIZEN_REPLY, Channel, Status, can_transition
from guichet.tickets.models import (
    ENDED_STATUSES,
    AccessCode,
    AccessToken,
    Attachment,
    AuthorKind,
    Event,
    EventKind,
    Message,
    Ticket,
    TicketFacts,
    Visibility,
)
from guichet.tickets.public_cache import status_page_forget, status_pages_forget
from guichet.tickets.search import build_search_text, search_fragment

RELATED_FIELDS = ("request_type", "service", "citizen", "entered_by", "assignee", "api_key", "household_member")
# Statuses the citizen is told about by a notification of their own.
NOTIFIED_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.REJECTED})
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
) -> Ticket:
    """Store a new request durably, with its acknowledgement queued in the same transaction.

    ``received_at`` is when the town hall received it, if earlier than now (a letter scanned later):
    the ticket's date and its deadline count from then.

    A repeated ``submission_key`` (double click, re-POST) hits the unique constraint and returns
    the ticket the first submission made.
    """
    now = timezone.now()
    received = min(received_at, now) if received_at else now
    commune = Commune.current()
    try:
        with transaction.atomic():
            ticket = Ticket(
                reference=_unused_reference(),
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
                entered_by=entered_by,
                api_key=api_key,
                submission_key=submission_key,
            )
            ticket.search_text = build_search_text(ticket)
            # Related rows were just read and the reference just drawn: validate the values only.
            ticket.full_clean(exclude=["submission_key", "reference", *RELATED_FIELDS], validate_constraints=False)
            ticket.save()
            _facts_created(ticket)
            for field_code, upload in uploads:
                attachment_store(ticket=ticket, upload=upload, field_code=field_code)
            _event(
                ticket,
                EventKind.CREATED,
                actor=entered_by,
                actor_kind=AuthorKind.AGENT if entered_by else AuthorKind.CITIZEN,
                channel=channel,
                to_status=Status.RECEIVED,
                **cast(dict[str, Any], {"api_key": api_key.name} if api_key else {}),
            )
            if acknowledge:
                notify_citizen(ticket=ticket, template=Template.ACKNOWLEDGEMENT, key="created")
            notify_service_of_new_ticket_later(ticket=ticket, key="created")
    except IntegrityError:
        # Two identical POSTs raced: the other one won, show its ticket.
        if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
            return existing
        raise
    return ticket


def _unused_reference() -> str:
    for _attempt in range(10):
        reference = references.generate()
        if not Ticket.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not draw an unused reference")  # 2^40 references: never in practice


def attachment_store(
    *, ticket: Ticket, upload: CheckedUpload, field_code: str = "", message: Message | None = None
) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        message=message,
        field_code=field_code,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        is_public=message is None or message.is_public,
    )
    attachment.file.save(upload.name, upload.file, save=False)
    attachment.save()
    return attachment


def ticket_sent_by_post(
    *, ticket: Ticket, agent: User, letter: CheckedUpload, message: Message | None, recipient: str
) -> Attachment:
    """The mail room posted a letter: the timeline says so, with the letter's PDF attached."""
    with transaction.atomic():
        ticket = _lock(ticket)
        attachment = attachment_store(ticket=ticket, upload=letter, message=message)
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

        target = new_status or (Status.IN_PROGRESS if not internal and ticket.status == Status.RECEIVED else None)
        if target and target != ticket.status:
            _check_transition(ticket, target)
            _set_status(ticket, target, actor=agent, now=now)
        else:
            _touch(ticket)
        if not internal:
            _facts_public_reply(ticket, now)
            template = Template.INFO_REQUESTED if target == Status.AWAITING_CITIZEN else Template.AGENT_REPLY
            notify_citizen(
                ticket=ticket, template=template, key=f"message:{message.pk}", context={"message_id": message.pk}
            )
    return message


def ticket_change_status(
    *, ticket: Ticket, to_status: str, actor: User, reason: str = "", expected_version: int | None = None
) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket, expected_version=expected_version)
        _check_transition(ticket, to_status)
        event = _set_status(ticket, to_status, actor=actor, reason=reason)
        if to_status in NOTIFIED_STATUSES:
            notify_citizen(ticket=ticket, template=Template.STATUS_CHANGED, key=f"status:{event.pk}")
    return ticket


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


def tickets_strip_personal_data(*, citizen: Citizen) -> list[int]:
    """The citizen's account is deleted: their tickets lose contact answers and personal links, not their content.

    Each ticket gets an ``account_deleted`` event. Returns the ids of the tickets (the caller anonymises the
    record, then rebuilds their search text).
    """
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
            Event(ticket=ticket, kind=EventKind.ACCOUNT_DELETED, actor_kind=AuthorKind.CITIZEN) for ticket in tickets
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
    event = Event.objects.create(
        ticket=ticket, kind=kind, actor=actor, actor_kind=AuthorKind.AGENT if actor else AuthorKind.SYSTEM, data=data
    )
    status_page_forget(ticket.reference)
    return event


def _lock(ticket: Ticket, *, expected_version: int | None = None) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("citizen", "service", "assignee")
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
    now: datetime.datetime | None = None,
) -> Event:
    now = now or timezone.now()
    from_status = ticket.status
    data: dict[str, Any] = {"reason": reason} if reason else {}
    calendar = Commune.current().calendar
    paused = 0
    if from_status == Status.AWAITING_CITIZEN:
        # The clock stops while the town hall waits for the citizen: the deadline moves by that much.
        paused = calendar.working_days_between(timezone.localdate(ticket.status_changed_at), timezone.localdate(now))
        if paused:
            ticket.due_date = calendar.add_working_days(ticket.due_date, paused)
            data["due_date_extended_by"] = paused
    ticket.status = to_status
    ticket.status_changed_at = now
    ticket.closed_at = ticket.status_changed_at if to_status in ENDED_STATUSES else None
    _touch(ticket, "status", "status_changed_at", "closed_at", "due_date")
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
    return event


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
    return Event.objects.create(
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


# The statistics' per-ticket facts (tickets.facts, issue 14), kept in the transaction of each change. -------


def _facts_created(ticket: Ticket) -> None:
    ticket_facts.on_created(ticket, TicketFacts)


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
