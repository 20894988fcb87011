"""The demo's past: a few hundred requests of the last six months, played through the real ticket services.

``plan_history`` draws the stories from a seeded random generator (pure data: the same plans every run, on
the same days counted back from ``now``); ``seed_history`` plays the steps that are already in the past, each
at its moment (``timetravel``), so events, due dates, pauses and the statistics are those the services make.

Idempotent: each story's ``submission_key`` is derived from its number, and a story already in the database
is skipped whole. References are drawn by the product's own generator: two databases get the same stories,
not the same reference numbers.

Notifications: the past was told to the citizens back then. What a story queued is settled at once, in the
seeding transaction: sent (a delivery attempt and a "notification sent" event at that moment), a few failed
(for « Envois en échec »), agents' digest items digested, and the task rows the steps queued for the worker
(deliveries, agents' alerts, letters) are deleted: the worker never emails the demo's citizens or agents.
"""

import dataclasses
import datetime
import random
import uuid
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify
from django_tasks_db.models import DBTaskResult

from guichet.accounts.models import User
from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_create
from guichet.demo import demo_data
from guichet.demo.timetravel import TimeMachine
from guichet.notifications.models import DeliveryAttempt, DeliveryStatus, Notification
from guichet.places.place import Place
from guichet.tickets import services
from guichet.tickets.facts import facts_build_missing
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import EventKind, Ticket, TicketFacts

NAMESPACE = uuid.UUID("6f1d8f8e-3c52-4d1e-9a57-0b7f5a1d2c43")
PEOPLE = 60
ACCOUNT = -1  # the person of a story told by the demo citizen account (espace famille)
# Stories of the demo account: (request type, story, days ago). Her dashboard shows each state: the open ones
# are old enough for their steps (a weekend, a note, the agent's reply) to be in the past whatever the day.
ACCOUNT_STORIES = (
    ("inscription-cantine", "waiting", 11),
    ("inscription-scolaire", "closed", 75),
    ("encombrants", "in_progress", 11),
    ("nid-de-poule", "reopened", 40),
    ("reservation-salle", "answered", 12),
)
CHANNELS = (
    (Channel.WEB, 45),
    (Channel.PHONE, 14),
    (Channel.COUNTER, 12),
    (Channel.EMAIL, 12),
    (Channel.MAIL, 9),
    (Channel.API, 8),
)
ENTERED_BY: dict[str, str] = {Channel.PHONE: "accueil", Channel.COUNTER: "accueil", Channel.MAIL: "courrier"}
STORIES = (
    ("closed", 42),
    ("info_then_closed", 14),
    ("reopened", 9),
    ("rejected", 8),
    ("answered", 6),
    ("late_open", 7),
    ("waiting", 6),
    ("in_progress", 8),
)
FAILED_NOTIFICATIONS = 6  # the last stories whose acknowledgement bounced


@dataclass(frozen=True)
class Step:
    at: datetime.datetime
    action: str  # assign, acknowledge, note, ask, citizen_reply, answer, close, reject
    text: str = ""


@dataclass(frozen=True)
class Plan:
    number: int
    request_type: str
    channel: str
    person: int  # index in people(), or ACCOUNT
    received_at: datetime.datetime
    text: str
    address: str
    agent: str  # username of the service agent who handles it
    steps: tuple[Step, ...]
    story: str
    bounce: bool = False

    @property
    def key(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"demo-history-{self.number}")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    preferred_channel: str


def people() -> list[Person]:
    """Invented people: example.org addresses, phone numbers of the range ARCEP keeps for fiction (01 99 00)."""
    rng = random.Random(demo_data.HISTORY_SEED)
    found = []
    for index in range(PEOPLE):
        first = demo_data.FIRST_NAMES[index % len(demo_data.FIRST_NAMES)]
        last = demo_data.LAST_NAMES[(index + index // len(demo_data.FIRST_NAMES) * 5) % len(demo_data.LAST_NAMES)]
        channel = rng.choices(
            [ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS, ContactChannel.SMS], weights=[70, 20, 10]
        )[0]
        street = f"{rng.randint(1, 60)} {rng.choice(demo_data.STREETS)}"
        email = f"{slugify(first)}.{slugify(last)}@example.org"
        found.append(Person(first, last, email, f"+3319900{index:04d}", street, channel))
    return found


def plan_history(*, now: datetime.datetime) -> list[Plan]:
    rng = random.Random(demo_data.HISTORY_SEED)
    types = {spec["slug"]: spec for spec in demo_data.REQUEST_TYPES}
    open_types = [slug for slug, spec in types.items() if not spec.get("requires_account")]
    agents = _agents_by_service()
    plans = []
    count = demo_data.HISTORY_TICKETS
    for number in range(count):
        # Spread over the period, a little busier lately (an instance that is being adopted).
        days_ago = demo_data.HISTORY_DAYS * (1 - rng.random() ** 0.8)
        slug = rng.choice(open_types)
        story = rng.choices([s for s, _ in STORIES], weights=[w for _, w in STORIES])[0]
        plans.append(_plan(rng, number, now, days_ago, slug, story, rng.randrange(PEOPLE), types, agents))
    for offset, (slug, story, days_ago) in enumerate(ACCOUNT_STORIES):
        plans.append(_plan(rng, count + offset, now, days_ago, slug, story, ACCOUNT, types, agents))
    # A few recent acknowledgements bounced: « Envois en échec » has something to resend.
    emailed = {index for index, person in enumerate(people()) if person.preferred_channel != ContactChannel.SMS}
    recent = [p for p in plans if p.person in emailed and now - p.received_at < datetime.timedelta(days=45)]
    bounced = {p.number for p in sorted(recent, key=lambda p: p.received_at)[-FAILED_NOTIFICATIONS:]}
    return [dataclasses.replace(p, bounce=True) if p.number in bounced else p for p in plans]


def _agents_by_service() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for spec in demo_data.AGENTS:
        if spec.role == "service_agent":
            for service in spec.services:
                found.setdefault(service, []).append(spec.username)
    return found


def _plan(
    rng: random.Random,
    number: int,
    now: datetime.datetime,
    days_ago: float,
    slug: str,
    story: str,
    person: int,
    types: dict[str, demo_data.RequestTypeSpec],
    agents: dict[str, list[str]],
) -> Plan:
    spec = types[slug]
    # An old request still in progress would be late (the late ones are the late_open stories); a citizen
    # may leave a question unanswered for weeks, not for months.
    if (story == "in_progress" and days_ago > spec["deadline_days"] * 1.2) or (story == "waiting" and days_ago > 60):
        story = "closed"
    channel = Channel.WEB if person == ACCOUNT else rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    received = now - datetime.timedelta(days=days_ago)
    local = timezone.localtime(received)
    if channel == Channel.WEB:  # online at any hour but the small ones
        received = local.replace(hour=rng.randint(7, 22), minute=rng.randint(0, 59))
    else:  # through the town hall: its opening hours
        received = _office(local, rng)
    received = min(received, now - datetime.timedelta(hours=1))
    agent = rng.choice(agents[spec["service"]])
    deadline = spec["deadline_days"]
    steps: list[Step] = []
    t = received

    def later(low_hours: float, high_hours: float) -> datetime.datetime:
        return _office(t + datetime.timedelta(hours=rng.uniform(low_hours, high_hours)), rng)

    def response() -> datetime.datetime:
        # Most answers within the deadline, some late (deadline in working days ≈ 1.4 calendar days each).
        days = rng.triangular(0.1, deadline * 1.9, deadline * 0.5)
        return _office(t + datetime.timedelta(days=days), rng)

    def add(action: str, when: datetime.datetime, texts: tuple[str, ...] = ()) -> None:
        nonlocal t
        t = when
        text = rng.choice(texts).format(n=rng.randint(2, 48)) if texts else ""
        steps.append(Step(when, action, text))

    if story != "untouched":
        add("assign", later(0.5, 6))
    if rng.random() < 0.3:
        add("note", later(1, 30), demo_data.INTERNAL_NOTES)
    if story == "closed":
        add("answer", response(), demo_data.AGENT_ANSWERS)
        add("close", later(72, 240))
    elif story == "info_then_closed":
        add("ask", later(2, 48), demo_data.AGENT_QUESTIONS)
        add("citizen_reply", t + datetime.timedelta(hours=rng.uniform(3, 120)), demo_data.CITIZEN_REPLIES)
        add("answer", response(), demo_data.AGENT_ANSWERS)
        add("close", later(72, 240))
    elif story == "reopened":
        add("answer", response(), demo_data.AGENT_ANSWERS)
        add("citizen_reply", t + datetime.timedelta(hours=rng.uniform(20, 140)), demo_data.CITIZEN_REOPENINGS)
        add("answer", later(24, 96), demo_data.AGENT_SECOND_ANSWERS)
        add("close", later(72, 240))
    elif story == "rejected":
        add("reject", response(), demo_data.AGENT_REJECTIONS)
    elif story == "answered":
        add("answer", response(), demo_data.AGENT_ANSWERS)
    elif story == "late_open":
        add("acknowledge", later(2, 48), demo_data.AGENT_ACKNOWLEDGEMENTS)
        add("note", later(48, 24 * deadline), demo_data.INTERNAL_NOTES)
    elif story == "waiting":
        add("ask", later(2, 48), demo_data.AGENT_QUESTIONS)
    elif story == "in_progress":
        add("acknowledge", later(2, 48), demo_data.AGENT_ACKNOWLEDGEMENTS)
    # What lies after now has not happened yet: the story stops there, the request is still open.
    past = []
    for step in steps:
        if step.at >= now - datetime.timedelta(minutes=5):
            break
        past.append(step)
    text = rng.choice(demo_data.REQUEST_TEXTS[slug]).format(n=rng.randint(2, 48))
    address = f"{rng.randint(1, 60)} {rng.choice(demo_data.STREETS)}"
    return Plan(number, slug, channel, person, received, text, address, agent, tuple(past), story)


def _office(moment: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """The same moment if the town hall is open then, else a time of its next opening morning or afternoon."""
    local = timezone.localtime(moment)
    if local.hour < 8 or (local.hour == 8 and local.minute < 30):
        local = local.replace(hour=8, minute=30 + rng.randint(0, 29))
    elif local.hour >= 18 or (local.hour == 17 and local.minute >= 30):
        local = (local + datetime.timedelta(days=1)).replace(hour=8, minute=30 + rng.randint(0, 29))
    while local.weekday() >= 5:
        local = (local + datetime.timedelta(days=1)).replace(hour=9, minute=rng.randint(0, 59))
    return local


def seed_history(tally: Counter[str], *, now: datetime.datetime) -> None:
    """Play the stories not yet in the database; call inside the seeding transaction."""
    plans = plan_history(now=now)
    known = set(
        Ticket.objects.filter(submission_key__in=[p.key for p in plans]).values_list("submission_key", flat=True)
    )
    todo = [plan for plan in plans if plan.key not in known]
    tally.update(tickets=len(plans), tickets_new=len(todo))
    if not todo:
        return
    tasks_before = set(DBTaskResult.objects.values_list("pk", flat=True))
    notifications_after = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    machine = TimeMachine()
    cast = _Cast()
    bounced: list[int] = []
    played: list[int] = []
    for plan in todo:
        ticket = _play(plan, machine, cast)
        played.append(ticket.pk)
        if plan.bounce:
            bounced.append(ticket.pk)
    _settle_notifications(after=notifications_after, bounced_tickets=bounced, machine=machine)
    # The steps queued work for the worker (deliveries, agents' alerts, letters): the past needs none. The
    # statistics' facts of the tickets no later step touched are what the worker would have built.
    facts_build_missing(TicketFacts, ticket_ids=played)
    DBTaskResult.objects.exclude(pk__in=tasks_before).delete()


class _Cast:
    """The people and agents of the stories, looked up (or created) once."""

    def __init__(self) -> None:
        self.people = people()
        self.citizens: dict[int, Citizen] = {}
        self.users: dict[str, User] = {}
        self.types = {t.slug: t for t in RequestType.objects.select_related("service")}

    def user(self, username: str) -> User:
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def citizen(self, index: int) -> Citizen:
        if index not in self.citizens:
            if index == ACCOUNT:
                [spec] = demo_data.CITIZEN_ACCOUNTS
                citizen = Citizen.objects.get(user__username=spec.email)
            else:
                person = self.people[index]
                found = Citizen.objects.filter(email=person.email).order_by("pk").first()
                citizen = found or citizen_create(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    email=person.email,
                    phone=person.phone,
                    street=person.street,
                    postcode="45270",
                    city="Villebrune-sur-Loire",
                    preferred_channel=person.preferred_channel,
                    consent_email=True,
                    consent_sms=True,
                )
            self.citizens[index] = citizen
        return self.citizens[index]


def _play(plan: Plan, machine: TimeMachine, cast: _Cast) -> Ticket:
    request_type = cast.types[plan.request_type]
    spec = next(s for s in demo_data.REQUEST_TYPES if s["slug"] == plan.request_type)
    codes = {field["code"]: field for field in spec["fields"]}
    answers = []
    if "adresse" in codes:
        # An address answer is the form's three parts (catalogue.forms), here in the demo commune.
        place = {"street": plan.address, "postcode": "45270", "city": "Villebrune-sur-Loire"}
        answers.append(_answer(codes["adresse"], place))
    text_field = next((f for f in spec["fields"] if f["kind"] == "long_text"), None)
    answers.append(
        _answer(text_field, plan.text)
        if text_field
        else {"code": "precisions", "label": "Précisions", "kind": "long_text", "value": plan.text}
    )
    with machine.at(plan.received_at):
        citizen = cast.citizen(plan.person)
        member = None
        if request_type.requires_family_member:
            member = citizen.household_members.order_by("birth_date").first()
        entered_by = ENTERED_BY.get(plan.channel)
        ticket = services.ticket_create(
            request_type=request_type,
            citizen=citizen,
            channel=plan.channel,
            answers=answers,
            submission_key=plan.key,
            entered_by=cast.user(entered_by) if entered_by else None,
            received_at=plan.received_at,
            household_member=member,
            place=_place(plan) if spec.get("location_mode") else None,
        )
    agent = cast.user(plan.agent)
    for step in plan.steps:
        with machine.at(step.at):
            _act(ticket, step, agent, plan.channel)
    return ticket


def _place(plan: Plan) -> Place:
    """A point around the town centre drawn from the plan's number (the history's random draws stay as they
    were), with the plan's address; one in seven typed freely, as citizens do (« hors BAN » for the agents)."""
    draw = random.Random(f"demo-place-{plan.number}")
    latitude, longitude = demo_data.MAP_CENTER
    free = plan.number % 7 == 0
    return Place(
        label=f"Devant le {plan.address}" if free else f"{plan.address} 45270 Villebrune-sur-Loire",
        latitude=round(latitude + draw.uniform(-0.006, 0.006), 6),
        longitude=round(longitude + draw.uniform(-0.009, 0.009), 6),
        citycode="" if free else demo_data.CITYCODE,
        in_base=not free,
    )


def _answer(field: demo_data.FieldSpec, value: str | dict[str, str]) -> dict[str, object]:
    return {"code": field["code"], "label": field["label"], "kind": str(field["kind"]), "value": value}


def _act(ticket: Ticket, step: Step, agent: User, channel: str) -> None:
    post = services.message_post_by_agent
    match step.action:
        case "assign":
            services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
        case "acknowledge":
            post(ticket=ticket, agent=agent, body=step.text)
        case "note":
            post(ticket=ticket, agent=agent, body=step.text, internal=True)
        case "ask":
            post(ticket=ticket, agent=agent, body=step.text, new_status=Status.AWAITING_CITIZEN)
        case "answer":
            post(ticket=ticket, agent=agent, body=step.text, new_status=Status.ANSWERED)
        case "reject":
            post(ticket=ticket, agent=agent, body=step.text, new_status=Status.REJECTED)
        case "close":
            services.ticket_change_status(ticket=ticket, to_status=Status.CLOSED, actor=agent)
        case "citizen_reply":
            reply_channel = Channel.EMAIL if channel == Channel.EMAIL else Channel.WEB
            services.message_post_by_citizen(ticket=ticket, body=step.text, channel=reply_channel)
        case _:
            raise ValueError(step.action)


def _settle_notifications(*, after: int, bounced_tickets: list[int], machine: TimeMachine) -> None:
    """What the past queued was delivered back then; the first email of a bounced story failed."""
    queued = list(Notification.objects.filter(pk__gt=after).select_related("ticket").order_by("pk"))
    failing: set[int] = set()
    for ticket_id in bounced_tickets:
        first = next((n for n in queued if n.ticket_id == ticket_id and n.channel == "email"), None)
        if first is not None:
            failing.add(first.pk)
    attempts = []
    for notification in queued:
        when = notification.created_at + datetime.timedelta(seconds=40)
        if notification.status == DeliveryStatus.HELD:
            notification.status = DeliveryStatus.DIGESTED
            continue
        notification.attempts = 1
        notification.last_attempt_at = when
        notification.next_attempt_at = None
        if notification.pk in failing:
            notification.status = DeliveryStatus.FAILED
            notification.last_error = demo_data.FAILURE_ERRORS[notification.pk % 2].format(email=notification.recipient)
            kind, data = EventKind.NOTIFICATION_FAILED, {"error": notification.last_error}
        else:
            notification.status = DeliveryStatus.SENT
            notification.sent_at = when
            kind, data = EventKind.NOTIFICATION_SENT, {}
        attempts.append(
            DeliveryAttempt(
                notification=notification,
                number=1,
                started_at=notification.last_attempt_at,
                finished_at=when,
                succeeded=notification.status == DeliveryStatus.SENT,
                error=notification.last_error,
            )
        )
        if notification.ticket is not None:
            with machine.at(when):
                services.ticket_notification_event(
                    ticket=notification.ticket,
                    kind=kind,
                    data={
                        "notification": str(notification.uuid),
                        "template": notification.template,
                        "channel": notification.channel,
                        "recipient": notification.recipient,
                        **data,
                    },
                )
    Notification.objects.bulk_update(
        queued, ["status", "attempts", "last_attempt_at", "next_attempt_at", "last_error", "sent_at"], batch_size=500
    )
    DeliveryAttempt.objects.bulk_create(attempts, batch_size=500)
