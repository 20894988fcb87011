import importlib
from pathlib import Path

import factory
from django.utils import timezone

from guichet.accounts.models import User
from guichet.catalogue.models import Field, FieldKind, RequestType, Theme
from guichet.citizens.models import Citizen, ContactChannel
from guichet.citizens.services import citizen_search_text
from guichet.lib import references
from guichet.organisation.models import Agent, Commune, Priority, Role, Service
from guichet.tickets.lifecycle import Channel
from guichet.tickets.models import ENDED_STATUSES, Ticket
from guichet.tickets.search import build_search_text
from guichet.tickets.services import ticket_create


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    name = "Mairie de Testville"
    email = "contact@mairie.test"
    phone = "01 23 45 67 89"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.slug}@mairie.test")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@mairie.test")
    password = factory.django.Password("mot-de-passe-test")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.SERVICE_AGENT

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Thème {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class RequestTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestType
        skip_postgeneration_save = True

    name = "Signaler un nid-de-poule"
    slug = factory.Sequence(lambda n: f"demarche-{n}")
    description = "Un trou dans la chaussée ? Dites-nous où."
    theme = factory.SubFactory(ThemeFactory)
    service = factory.SubFactory(ServiceFactory)
    deadline_days = 10

    @factory.post_generation
    def with_fields(self, create, extracted, **kwargs):
        if create and extracted:
            FieldFactory(
                request_type=self, code="adresse", label="Adresse du problème", kind=FieldKind.ADDRESS, order=1
            )
            FieldFactory(request_type=self, code="description", label="Description", kind=FieldKind.LONG_TEXT, order=2)
            FieldFactory(request_type=self, code="photo", label="Photo", kind=FieldKind.FILE, required=False, order=3)


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field

    request_type = factory.SubFactory(RequestTypeFactory)
    code = factory.Sequence(lambda n: f"champ{n}")
    label = factory.Sequence(lambda n: f"Champ {n}")
    kind = FieldKind.SHORT_TEXT
    required = True


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen
        skip_postgeneration_save = True

    first_name = "Hélène"
    last_name = "Lefèvre"
    email = "helene.lefevre@example.org"
    phone = "+33612345678"
    preferred_channel = ContactChannel.EMAIL

    @factory.post_generation
    def index_for_search(self, create, extracted, **kwargs):
        # The directory search reads search_text, which the citizens services keep up to date.
        self.search_text = citizen_search_text(self)
        if create:
            Citizen.objects.filter(pk=self.pk).update(search_text=self.search_text)


def make_ticket(*, request_type: RequestType, citizen: Citizen | None, **kwargs) -> Ticket:
    """A ticket made the way every channel makes one: through the service."""
    answers = kwargs.pop(
        "answers", [{"code": "description", "label": "Description", "kind": "long_text", "value": "Trou profond"}]
    )
    return ticket_create(
        request_type=request_type,
        citizen=citizen,
        channel=kwargs.pop("channel", Channel.WEB),
        answers=answers,
        **kwargs,
    )


def raw_ticket(**kwargs) -> Ticket:
    """A ticket row without events or notifications, for list and query-count tests."""
    request_type = kwargs.pop("request_type")
    defaults = {
        "reference": references.generate(),
        "service": request_type.service,
        "channel": Channel.WEB,
        "subject": request_type.name,
        "due_date": timezone.localdate(),
    }
    if kwargs.get("status") in ENDED_STATUSES:
        defaults["closed_at"] = timezone.now()  # the database refuses an ended ticket without it
    ticket = Ticket(request_type=request_type, **{**defaults, **kwargs})
    ticket.search_text = build_search_text(ticket)
    ticket.save()
    return ticket


ORGANISATION_MIGRATIONS = Path(__file__).resolve().parent.parent / "guichet" / "organisation" / "migrations"


def default_priorities() -> None:
    """The priorities the migration seeds, again: a transactional test's flush removes migrated rows."""
    [name] = [path.stem for path in ORGANISATION_MIGRATIONS.glob("*_priorities_opening_hours.py")]  # any number
    seeded = importlib.import_module(f"guichet.organisation.migrations.{name}")
    for values in seeded.DEFAULT_PRIORITIES:
        Priority.objects.get_or_create(slug=values["slug"], defaults=values)
