"""``manage.py seed_bench --tickets N``: many realistic tickets with their threads, for benchmarks.

Bulk inserts only, no services and no notifications: PostgreSQL gets ``COPY`` (several times faster
than ``bulk_create``, see docs/BENCHMARKS.md), other databases ``bulk_create``. Needs the demo commune
(``seed_demo`` runs first if the catalogue is empty); adds on top of existing tickets.
"""

import datetime
import json
import math
import random
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.db.models import Max
from django.utils import timezone

from guichet.catalogue.models import FieldKind, RequestType
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_search_text
from guichet.lib import references
from guichet.lib.text import fold
from guichet.organisation.models import Agent, Commune, Role
from guichet.tickets import facts
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import (
    ENDED_STATUSES,
    AuthorKind,
    Event,
    EventKind,
    Message,
    Ticket,
    TicketDayCount,
    TicketFacts,
    Visibility,
)
from guichet.tickets.search import build_search_text

# fmt: off
FIRST_NAMES = (
    "Camille", "Hélène", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie", "Anne",
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Céline", "Aurore", "Mélanie", "Zoé", "Agnès", "Odile", "Yasmine",
    "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Nathan", "Théo", "Paul", "Pierre", "Jacques", "Michel",
    "Alain", "François", "Éric", "Stéphane", "Laurent", "Patrick", "Christophe", "Nicolas", "Mehdi", "Yannick",
    "Gérard", "Rémi", "Bastien", "Noël", "Mathis",
)
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Robert", "Richard", "Durand", "Moreau", "Simon", "Laurent", "Michel", "Lefebvre",
    "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Bonnet", "Dupont",
    "Lambert", "François", "Legrand", "Gauthier", "Perrin", "Clément", "Morin", "Nicolas", "Henry", "Roussel",
    "Mathieu", "Gautier", "Masson", "Marchand", "Duval", "Denis", "Lemaire", "Lemoine", "Dumas", "Brunet", "Meyer",
    "Schmitt", "Colin", "Barbier", "Arnaud", "Giraud", "Roger", "Roy", "Renard", "Aubert", "Rolland", "Lecomte",
    "Carpentier", "Guérin", "Boyer", "Caron", "Hubert", "Fabre", "Benoît", "Dufour", "Leclerc", "Rivière", "Picard",
    "Le Gall", "Le Goff", "Charpentier", "Fleury", "Benmansour", "Traoré", "Diallo", "Ferreira", "Da Silva",
    "Nguyen", "Marty", "Poirier", "Besson", "Collet", "Tessier",
)
STREETS = (
    "rue de la République", "avenue Jean-Jaurès", "rue Victor-Hugo", "place du Marché", "rue des Écoles",
    "chemin des Vignes", "allée des Tilleuls", "rue du Moulin", "impasse des Lilas", "boulevard de la Loire",
    "rue Pasteur", "rue de l'Église", "route d'Orléans", "quai du Port", "rue des Acacias", "avenue de la Gare",
    "rue du Stade", "chemin de la Fontaine", "rue des Peupliers", "place de la Mairie",
)
CITIZEN_SENTENCES = (
    "Bonjour, je me permets de vous relancer au sujet de ma demande.",
    "Le problème est toujours là ce matin, rien n'a bougé.",
    "Pouvez-vous me dire quand une équipe pourra passer ?",
    "Je vous envoie une photo prise depuis le trottoir d'en face.",
    "Mon voisin a fait la même demande la semaine dernière.",
    "Je suis joignable en journée, sauf le mercredi.",
    "Merci pour votre réponse rapide, c'est réglé.",
    "Il faudrait aussi regarder le caniveau qui déborde quand il pleut.",
    "Je ne trouve pas le justificatif de domicile demandé, une facture d'électricité convient-elle ?",
    "La situation devient dangereuse pour les enfants qui vont à l'école.",
)
AGENT_SENTENCES = (
    "Bonjour, nous avons bien reçu votre demande et la transmettons au service concerné.",
    "Une équipe interviendra dans les prochains jours.",
    "Pourriez-vous nous préciser l'adresse exacte ou un repère proche ?",
    "Votre document est prêt, vous pouvez le retirer à l'accueil de la mairie.",
    "Nous vous remercions pour ce signalement.",
    "L'intervention a été réalisée ce matin.",
    "Merci de nous transmettre un justificatif de domicile de moins de trois mois.",
    "Votre rendez-vous est confirmé, pensez à apporter les pièces originales.",
)
INTERNAL_SENTENCES = (
    "Vu avec le chef d'équipe, passage prévu jeudi.",
    "Relancer le prestataire pour l'élagage.",
    "Doublon probable avec une demande de la même rue.",
    "Bon de commande envoyé au prestataire.",
    "Usager déjà venu au guichet pour le même sujet.",
    "Attendre le retour de la métropole, voirie communautaire.",
    "Photos vérifiées, intervention nécessaire sous une semaine.",
)
EMAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "outlook.fr")
CHANNEL_WEIGHTS = {
    Channel.WEB: 55, Channel.EMAIL: 15, Channel.PHONE: 12, Channel.COUNTER: 10, Channel.MAIL: 5, Channel.API: 3,
}
# (maximum age in days, weights of received, in_progress, awaiting_citizen, answered, closed, rejected)
STATUS_BY_AGE = (
    (7, (50, 30, 10, 7, 2, 1)),
    (30, (15, 25, 10, 25, 20, 5)),
    (90, (3, 7, 5, 25, 55, 5)),
    (10**6, (0.5, 1, 1, 10, 82, 5.5)),
)
# fmt: on
STATUSES = (
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.AWAITING_CITIZEN,
    Status.ANSWERED,
    Status.CLOSED,
    Status.REJECTED,
)
MESSAGE_COUNT_WEIGHTS = (30, 25, 20, 15, 10)  # 0 to 4 messages
ENTERED_BY_AGENT = frozenset({Channel.PHONE, Channel.COUNTER, Channel.MAIL})
SPAN_DAYS = 3 * 365


class CitizenRow(NamedTuple):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str


class TypeInfo(NamedTuple):
    id: int
    name: str
    service_id: int
    deadline_days: int
    fields: tuple[tuple[str, str, str, bool, tuple[str, ...]], ...]  # code, label, kind, required, choices
    located: bool = False


# Located requests (issue 17): the démarches about a place when the catalogue marks none (the demo's, before
# its types had a location mode); their tickets sit on a few thousand addresses around the commune's centre,
# so that some are next to each other as in real life (the same street light reported twice).
LOCATED_SLUGS = frozenset({"nid-de-poule", "eclairage-public", "depot-sauvage", "graffiti", "vehicule-ventouse"})
ADDRESS_COUNT = 4000
# Every row names the same columns (COPY writes the first row's).
UNLOCATED: dict[str, Any] = {"latitude": None, "longitude": None, "address_label": "", "address_in_base": None}
CITY_RADIUS_M = 3000


class _Searchable(NamedTuple):
    """The attributes build_search_text reads, without building a model instance per row."""

    reference: str
    subject: str
    request_type: TypeInfo
    citizen: CitizenRow | None
    answers: list[dict[str, Any]]


@dataclass
class Batch:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # Each message's event data, to fill in with the message's id once ids are reserved.
    message_event_data: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    def __init__(
        self, rng: random.Random, *, now: datetime.datetime, timeline_rng: random.Random | None = None
    ) -> None:
        self.rng = rng
        # The status changes draw from their own stream: the tickets and threads stay those of earlier seeds.
        self.timeline_rng = timeline_rng or random.Random(0)
        self.now = now
        self.calendar = Commune.current().calendar
        self.working_days = facts.WorkingDays(self.calendar)
        located = set(RequestType.objects.exclude(location_mode="").values_list("pk", flat=True)) or set(
            RequestType.objects.filter(slug__in=LOCATED_SLUGS).values_list("pk", flat=True)
        )
        self.types = [
            TypeInfo(
                rt.pk,
                rt.name,
                rt.service_id,
                rt.deadline_days,
                tuple((f.code, f.label, f.kind, f.required, tuple(f.choice_list)) for f in rt.fields.all()),
                rt.pk in located,
            )
            for rt in RequestType.objects.prefetch_related("fields").order_by("pk")
        ]
        # Their own stream: the other draws stay those of earlier seeds.
        self.place_rng = random.Random(17)
        self.addresses = self._addresses()
        # Some démarches are far more frequent than others (potholes versus civil-status corrections).
        self.type_weights = [rng.choice((1, 2, 4, 8)) for _ in self.types]
        self.agents_by_service: dict[int, list[int]] = {}
        for service_id, user_id in Agent.objects.filter(role=Role.SERVICE_AGENT, user__is_active=True).values_list(
            "services", "user_id"
        ):
            if service_id is not None:
                self.agents_by_service.setdefault(service_id, []).append(user_id)
        self.front_desk = list(Agent.objects.filter(role=Role.RECEPTION).values_list("user_id", flat=True))
        self.mail_room = list(Agent.objects.filter(role=Role.MAIL_ROOM).values_list("user_id", flat=True))
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_weights = list(CHANNEL_WEIGHTS.values())

    def _addresses(self) -> list[tuple[float, float, str]]:
        rng = self.place_rng
        centre_lat, centre_lon = (float(value) for value in settings.GUICHET_MAP_CENTER[:2])
        metres_per_degree = 111_195.0
        addresses = []
        for _ in range(ADDRESS_COUNT):
            distance, bearing = CITY_RADIUS_M * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            latitude = centre_lat + distance * math.cos(bearing) / metres_per_degree
            longitude = centre_lon + distance * math.sin(bearing) / (
                metres_per_degree * math.cos(math.radians(centre_lat))
            )
            addresses.append((latitude, longitude, f"{rng.randrange(1, 120)} {rng.choice(STREETS)}"))
        return addresses

    def place(self) -> dict[str, Any]:
        """A located ticket's columns: an address of the commune, a few metres off (several people, one spot)."""
        rng = self.place_rng
        latitude, longitude, label = self.addresses[int(len(self.addresses) * rng.random() ** 2)]
        return {
            "latitude": round(latitude + rng.uniform(-15, 15) / 111_195.0, 7),
            "longitude": round(longitude + rng.uniform(-15, 15) / 78_000.0, 7),
            "address_label": label,
            "address_in_base": True,
        }

    def citizen(self, citizen_id: int) -> dict[str, Any]:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{fold(first)}.{fold(last)}".replace(" ", "-")
        email = f"{local}{rng.randrange(1, 1000)}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.8 else ""
        phone = ""
        if rng.random() < 0.7 or not email:
            # Allocated ranges only (06 3x and 06 9x are partly not), so that the numbers parse as valid.
            prefix = rng.choice(("+3360", "+3361", "+3362", "+3364", "+3365", "+3366", "+3367", "+3368", "+3375"))
            prefix = prefix if rng.random() < 0.8 else "+33238"
            phone = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
        if email and phone:
            preferred = rng.choice((ContactChannel.EMAIL, ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS))
        else:
            preferred = ContactChannel.EMAIL if email else rng.choice((ContactChannel.SMS, ContactChannel.POST))
        # Known before the period seeded, so never created after one of their tickets.
        created = self.now - datetime.timedelta(days=SPAN_DAYS + 365 * rng.random())
        searched = Citizen(first_name=first, last_name=last, email=email, phone=phone)
        return {
            "id": citizen_id,
            "public_id": secrets.token_urlsafe(12),
            "search_text": citizen_search_text(searched),
            "updated_at": created,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            "preferred_channel": preferred,
            "created_at": created,
        }

    def answers(self, info: TypeInfo, citizen: CitizenRow | None) -> list[dict[str, Any]]:
        """What the web form stores: one entry per filled field (see catalogue.forms.RequestForm.answers)."""
        rng = self.rng
        answers = []
        for code, label, kind, required, choices in info.fields:
            if not required and rng.random() < 0.5:
                continue
            value = self._value(code, kind, choices, citizen)
            answers.append({"code": code, "label": label, "kind": kind, "value": value})
        return answers

    def _value(self, code: str, kind: str, choices: tuple[str, ...], citizen: CitizenRow | None) -> Any:
        rng = self.rng
        match kind:
            case FieldKind.ADDRESS:
                street = f"{rng.randrange(1, 120)} {rng.choice(STREETS)}"
                return {"street": street, "postcode": "45270", "city": "Villebrune-sur-Loire"}
            case FieldKind.CHOICE if choices:
                return rng.choice(choices)
            case FieldKind.MULTIPLE_CHOICE if choices:
                return rng.sample(choices, k=rng.randint(1, min(2, len(choices))))
            case FieldKind.NUMBER:
                return str(rng.randint(1, 6))
            case FieldKind.DATE:
                return (self.now.date() - datetime.timedelta(days=rng.randrange(30, 30000))).isoformat()
            case FieldKind.EMAIL:
                return citizen.email if citizen and citizen.email else "contact@example.org"
            case FieldKind.PHONE:
                return citizen.phone if citizen and citizen.phone else "+33238001234"
            case FieldKind.FILE:
                return rng.choice(("photo.jpg", "IMG_2044.jpeg", "justificatif.pdf", "scan.pdf"))
            case FieldKind.LONG_TEXT:
                return " ".join(rng.sample(CITIZEN_SENTENCES, k=2))
            case _ if "prenom" in code:
                return rng.choice(FIRST_NAMES)
            case _ if "nom" in code or "visiteur" in code:
                return citizen.last_name if citizen else rng.choice(LAST_NAMES)
            case _:
                return f"n° {rng.randrange(10, 999)}"

    def ticket(
        self, batch: Batch, ticket_id: int, reference: str, citizen: CitizenRow | None, *, age_days: float
    ) -> None:
        rng = self.rng
        info = rng.choices(self.types, self.type_weights)[0]
        channel = rng.choices(self.channels, self.channel_weights)[0]
        created = self.now - datetime.timedelta(days=age_days)
        entered_by = None
        if channel in ENTERED_BY_AGENT:
            # Phone, counter and mail arrive in office hours, entered by the front desk or the mail room.
            created = created.replace(hour=rng.randint(7, 15), minute=rng.randrange(60))  # UTC: 8 h-17 h in Paris
            pool = self.mail_room if channel == Channel.MAIL else self.front_desk
            entered_by = rng.choice(pool) if pool else None
            if created > self.now:
                created -= datetime.timedelta(days=1)
            age_days = (self.now - created).total_seconds() / 86400
        weights = next(w for max_age, w in STATUS_BY_AGE if age_days <= max_age)
        status = rng.choices(STATUSES, weights)[0]
        handled = datetime.timedelta(days=min(age_days, 20) * rng.random())
        status_changed = created if status == Status.RECEIVED else created + handled
        agents = self.agents_by_service.get(info.service_id, [])
        assignee = rng.choice(agents) if agents and rng.random() < 0.3 else None
        answers = self.answers(info, citizen)
        # A reply moves a ticket out of "received": only citizens and internal notes write on those.
        first_event = len(batch.events)
        bodies = self._thread(batch, ticket_id, channel, agents, created, status_changed, status != Status.RECEIVED)
        last_activity = max(status_changed, batch.messages[-1]["created_at"]) if bodies else status_changed
        searchable = _Searchable(reference, info.name, info, citizen, answers)
        # Calendar days, not working days: close enough for seeding, and no calendar lookups per row.
        due_date = timezone.localdate(created) + datetime.timedelta(days=info.deadline_days)
        due_date = self._status_changes(batch, ticket_id, status, created, status_changed, agents, due_date)
        batch.tickets.append(
            {
                "id": ticket_id,
                "reference": reference,
                "request_type_id": info.id,
                "service_id": info.service_id,
                "assignee_id": assignee,
                "citizen_id": citizen.id if citizen else None,
                "channel": channel,
                "status": status,
                "subject": info.name[:200],
                "answers": answers,
                "search_text": build_search_text(cast(Ticket, searchable), bodies),
                "created_at": created,
                "updated_at": last_activity,
                "status_changed_at": status_changed,
                "closed_at": status_changed if status in ENDED_STATUSES else None,
                "due_date": due_date,
                "entered_by_id": entered_by,
                "version": 1 + len(bodies) + (status != Status.RECEIVED),
                **(self.place() if info.located else UNLOCATED),
            }
        )
        actor_kind = AuthorKind.AGENT if entered_by else AuthorKind.CITIZEN
        batch.events.append(
            _event(ticket_id, EventKind.CREATED, actor_kind, entered_by, channel, created, to_status=Status.RECEIVED)
        )
        # The statistics' facts of the ticket, from the same timeline the rebuild reads (tickets.facts).
        timeline = [
            facts.TimelineEvent(
                i, e["kind"], e["from_status"], e["to_status"], e["created_at"], e["data"].get("due_date_extended_by")
            )
            for i, e in enumerate(batch.events[first_event:])
            if e["kind"] in facts.EVENT_KINDS
        ]
        row = batch.tickets[-1]
        batch.facts.append(facts.facts_from_events(row, timeline, self.working_days))

    def _status_changes(
        self,
        batch: Batch,
        ticket_id: int,
        status: str,
        created: datetime.datetime,
        end: datetime.datetime,
        agents: Sequence[int],
        due_date: datetime.date,
    ) -> datetime.date:
        """The status changes that led to ``status`` at ``end``: one in five handled tickets waited for the
        citizen once (the due date moves by the working days of the wait), one in ten answered was reopened.
        Returns the due date."""
        if status == Status.RECEIVED:
            return due_date
        rng = self.timeline_rng
        span = end - created
        actor = rng.choice(agents) if agents else None
        path: list[tuple[str, float]] = []  # (status, share of the span at which it is reached)
        current: str = Status.RECEIVED
        if status not in (Status.AWAITING_CITIZEN, Status.IN_PROGRESS) and rng.random() < 0.2:
            path += [(Status.AWAITING_CITIZEN, 0.2), (Status.IN_PROGRESS, 0.5)]
        elif status == Status.IN_PROGRESS and rng.random() < 0.2:
            path += [(Status.AWAITING_CITIZEN, 0.4)]
        if status in (Status.ANSWERED, Status.CLOSED) and rng.random() < 0.1:
            path += [(Status.ANSWERED, 0.6), (Status.IN_PROGRESS, 0.7)]
        if status == Status.CLOSED:
            path += [(Status.ANSWERED, 0.8)]
        path.append((status, 1.0))
        waiting_since = None
        for to_status, share in path:
            when = created + span * share
            data: dict[str, Any] = {}
            if current == Status.AWAITING_CITIZEN and waiting_since is not None:
                paused = self.working_days.between(timezone.localdate(waiting_since), timezone.localdate(when))
                if paused:
                    due_date = self.calendar.add_working_days(due_date, paused)
                    data["due_date_extended_by"] = paused
            waiting_since = when if to_status == Status.AWAITING_CITIZEN else None
            kind = AuthorKind.CITIZEN if current == Status.AWAITING_CITIZEN else AuthorKind.AGENT
            event = _event(
                ticket_id,
                EventKind.STATUS_CHANGED,
                kind,
                actor if kind == AuthorKind.AGENT else None,
                "",
                when,
                to_status=to_status,
            )
            event["from_status"], event["data"] = current, data
            batch.events.append(event)
            current = to_status
        return due_date

    def _thread(
        self,
        batch: Batch,
        ticket_id: int,
        channel: str,
        agents: Sequence[int],
        start: datetime.datetime,
        end: datetime.datetime,
        replied: bool,
    ) -> list[str]:
        rng = self.rng
        count = rng.choices(range(len(MESSAGE_COUNT_WEIGHTS)), MESSAGE_COUNT_WEIGHTS)[0]
        # At least an hour for the thread of a ticket handled at once, but never past now.
        span = max((end - start).total_seconds(), min(3600.0, (self.now - start).total_seconds()))
        kind_weights = (4, 4, 2) if replied else (4, 0, 2)
        bodies = []
        for when in sorted(start + datetime.timedelta(seconds=span * rng.random()) for _ in range(count)):
            kind = rng.choices((AuthorKind.CITIZEN, AuthorKind.AGENT, Visibility.INTERNAL), kind_weights)[0]
            author = rng.choice(agents) if agents and kind != AuthorKind.CITIZEN else None
            if kind == AuthorKind.CITIZEN:
                body = " ".join(rng.sample(CITIZEN_SENTENCES, k=rng.randint(1, 3)))
                msg_channel = channel if channel in {Channel.WEB, Channel.EMAIL} else Channel.WEB
                event = _event(ticket_id, EventKind.CITIZEN_MESSAGE, AuthorKind.CITIZEN, None, msg_channel, when)
            elif kind == AuthorKind.AGENT:
                body = " ".join(rng.sample(AGENT_SENTENCES, k=rng.randint(1, 3)))
                msg_channel = ""
                event = _event(ticket_id, EventKind.AGENT_REPLY, AuthorKind.AGENT, author, "", when)
            else:
                body = " ".join(rng.sample(INTERNAL_SENTENCES, k=rng.randint(1, 2)))
                msg_channel = ""
                event = _event(ticket_id, EventKind.INTERNAL_NOTE, AuthorKind.AGENT, author, "", when)
            batch.events.append(event)
            batch.message_event_data.append(event["data"])
            batch.messages.append(
                {
                    "ticket_id": ticket_id,
                    "author_kind": AuthorKind.AGENT if kind == Visibility.INTERNAL else kind,
                    "author_id": author,
                    "visibility": Visibility.INTERNAL if kind == Visibility.INTERNAL else Visibility.PUBLIC,
                    "channel": msg_channel,
                    "body": body,
                    "created_at": when,
                }
            )
            bodies.append(body)
        return bodies


def _event(
    ticket_id: int,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    channel: str,
    when: datetime.datetime,
    *,
    to_status: str = "",
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "kind": kind,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "channel": channel,
        "from_status": "",
        "to_status": to_status,
        "data": {},
        "created_at": when,
    }


Tables = Sequence[tuple[type[models.Model], list[dict[str, Any]]]]


class Writer:
    """Reserves primary keys and writes rows: COPY on PostgreSQL, bulk_create elsewhere.

    With COPY, PostgreSQL (indexes, full-text vector, foreign keys) is the slow side: a background
    thread with its own connection writes one batch while the next is generated, about twice as fast
    on two cores. Not inside a transaction (tests): another connection would not see its rows.
    """

    def __init__(self, *, use_copy: bool) -> None:
        self.use_copy = use_copy
        self._next_local: dict[type[models.Model], int] = {}
        background = use_copy and not connection.in_atomic_block
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-bench") if background else None
        self._pending: Future[None] | None = None

    def submit(self, tables: Tables) -> None:
        """Write these rows in one transaction, in the background if possible (one batch in flight)."""
        self.wait()
        if self._pool is None:
            self._write_all(tables)
        else:
            self._pending = self._pool.submit(self._write_all, tables)

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises the writer's error

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.submit(connections.close_all).result()
                self._pool.shutdown()

    def _write_all(self, tables: Tables) -> None:
        with transaction.atomic():
            for model, rows in tables:
                self.write(model, rows)

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        if connection.vendor == "postgresql":
            table = model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
                )
                return [row[0] for row in cursor.fetchall()]
        # Other databases: one writer at a time is assumed (tests, local SQLite).
        if model not in self._next_local:
            self._next_local[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        start = self._next_local[model]
        self._next_local[model] = start + count
        return list(range(start, start + count))

    def write(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.use_copy:
            model._default_manager.bulk_create([model(**row) for row in rows], batch_size=2000)
            return
        # Columns the rows leave out (a ticket's submission key…) take the field's default, drawn
        # again for each row when it is a callable (random public ids must stay unique).
        fields = [
            f
            for f in model._meta.concrete_fields
            if (f.attname in rows[0] or not f.primary_key) and not getattr(f, "generated", False)
        ]
        missing = [f for f in fields if f.attname not in rows[0]]
        drawn = {f.attname: f.get_default for f in missing if f.has_default() and callable(f.default)}
        constant = {f.attname: f.get_default() for f in missing if f.attname not in drawn}
        json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        names = [f.attname for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
        copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                values = [row[n] if n in row else drawn[n]() if n in drawn else constant[n] for n in names]
                for i in json_columns:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)


class Command(BaseCommand):
    help = "Ajoute N demandes réalistes (usagers, messages, événements) en masse, pour les mesures de performance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="Nombre de demandes à ajouter.")
        parser.add_argument("--batch", type=int, default=10_000, help="Demandes par lot (une transaction par lot).")
        parser.add_argument("--seed", type=int, default=42, help="Graine du tirage (les numéros restent aléatoires).")
        parser.add_argument(
            "--method",
            choices=("auto", "copy", "orm"),
            default="auto",
            help="copy : COPY PostgreSQL ; orm : bulk_create ; auto : copy sur PostgreSQL.",
        )

    def handle(self, *args: Any, tickets: int, batch: int, seed: int, method: str, **options: Any) -> None:
        if tickets < 1 or batch < 1:
            raise CommandError("--tickets et --batch doivent être positifs.")
        is_pg = connection.vendor == "postgresql"
        if method == "copy" and not is_pg:
            raise CommandError("--method copy demande PostgreSQL.")
        if not RequestType.objects.exists():
            call_command("seed_demo", "--no-history", stdout=self.stdout)
        writer = Writer(use_copy=method == "copy" or (method == "auto" and is_pg))
        generator = Generator(random.Random(seed), now=timezone.now(), timeline_rng=random.Random(seed + 1))
        if not generator.types:
            raise CommandError("Aucune démarche dans le catalogue.")
        started = time.monotonic()
        check_existing = Ticket.objects.exists()
        seen: set[str] = set()
        done = rows = 0
        try:
            citizens = self.create_citizens(generator, writer, max(1, tickets // 5), batch)
            while done < tickets:
                size = min(batch, tickets - done)
                # Oldest first, as a live database fills up: open (recent) tickets sit together at the end.
                ages = [SPAN_DAYS * (1 - (done + i + generator.rng.random()) / tickets) for i in range(size)]
                rows += self.create_tickets(generator, writer, citizens, ages, seen, check_existing)
                done += size
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"  {done:>9,}/{tickets:,} demandes  {done / elapsed:>7,.0f} demandes/s"
                    f"  {rows / elapsed:>8,.0f} lignes/s"
                )
        finally:
            writer.close()
        # The per-day counts the statistics read, from the facts just written (tickets.facts.counts_rebuild).
        facts.counts_rebuild(TicketFacts)
        if is_pg:
            # Statistics, plus hint bits and the visibility map as on a live database, so that benchmarks
            # start steady. VACUUM cannot run inside a transaction (tests): ANALYZE alone then.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            self.stdout.write(f"  {command}…")
            with connection.cursor() as cursor:
                for model in (Citizen, Ticket, Message, Event, TicketFacts, TicketDayCount):
                    cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"{tickets:,} demandes et {len(citizens):,} usagers ajoutés en {elapsed:,.1f} s.")
        )

    def create_citizens(self, generator: Generator, writer: Writer, count: int, batch: int) -> list[CitizenRow]:
        citizens: list[CitizenRow] = []
        for offset in range(0, count, batch):
            rows = [generator.citizen(pk) for pk in writer.reserve_ids(Citizen, min(batch, count - offset))]
            writer.submit([(Citizen, rows)])
            citizens += [CitizenRow(r["id"], r["first_name"], r["last_name"], r["email"], r["phone"]) for r in rows]
        self.stdout.write(f"  {len(citizens):>9,} usagers")
        return citizens

    def create_tickets(
        self,
        generator: Generator,
        writer: Writer,
        citizens: list[CitizenRow],
        ages: list[float],
        seen: set[str],
        check_existing: bool,
    ) -> int:
        rng = generator.rng
        refs = _new_references(len(ages), seen, check_existing)
        ticket_ids = writer.reserve_ids(Ticket, len(ages))
        batch = Batch()
        for ticket_id, reference, age_days in zip(ticket_ids, refs, ages, strict=True):
            # A few regulars write often; about 2 % of requests come without a known citizen.
            citizen = citizens[int(len(citizens) * rng.random() ** 1.5)] if rng.random() < 0.98 else None
            generator.ticket(batch, ticket_id, reference, citizen, age_days=age_days)
        message_ids = writer.reserve_ids(Message, len(batch.messages))
        for message, data, message_id in zip(batch.messages, batch.message_event_data, message_ids, strict=True):
            message["id"] = data["message"] = message_id
        writer.submit(
            [(Ticket, batch.tickets), (Message, batch.messages), (Event, batch.events), (TicketFacts, batch.facts)]
        )
        return len(batch.tickets) + len(batch.messages) + len(batch.events)


def _new_references(count: int, seen: set[str], check_existing: bool) -> list[str]:
    """Distinct references: 1M draws among 2^40 collide with real odds, so draw a set."""
    fresh: set[str] = set()
    while len(fresh) < count:
        while len(fresh) < count:
            reference = references.generate()
            if reference not in seen:
                fresh.add(reference)
        if check_existing:
            fresh -= set(Ticket.objects.filter(reference__in=fresh).values_list("reference", flat=True))
    seen |= fresh
    return list(fresh)
