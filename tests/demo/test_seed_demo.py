import ast
import datetime
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from pytest_django.fixtures import Settings

from guichet.catalogue.models import Field, FieldKind, RequestType, Theme
from guichet.citizens.models import Citizen
from guichet.demo import demo_data, history
from guichet.notifications.models import DeliveryAttempt, Notification
from guichet.organisation.models import Agent, Commune, Role, Service
from guichet.tickets.models import Event, Message, Ticket

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-demo"


@pytest.fixture(autouse=True)
def fast_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def small_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalogue's tests need no past but the demo account's own requests; the history's tests below ask for
    some, and tests/demo/test_demo_history.py reads the whole of it."""
    monkeypatch.setattr(demo_data, "HISTORY_TICKETS", 0)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Commune, Service, Theme, RequestType, Field, Agent, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_creates_a_plausible_commune_and_catalogue() -> None:
    seed("--password", PASSWORD)

    commune = Commune.current()
    assert commune.name == demo_data.COMMUNE["name"]
    assert commune.email and commune.phone and commune.website and commune.opening_hours
    assert Service.objects.count() >= 8
    assert Theme.objects.count() >= 8
    assert RequestType.objects.count() >= 15
    assert all(service.email.endswith(f"@{demo_data.DOMAIN}") for service in Service.objects.all())


def test_catalogue_uses_every_field_kind() -> None:
    seed("--password", PASSWORD)

    assert set(Field.objects.values_list("kind", flat=True)) == set(FieldKind.values)
    assert not Field.objects.filter(kind__in=[FieldKind.CHOICE, FieldKind.MULTIPLE_CHOICE], choices="").exists()


def test_family_space_request_types_require_an_account() -> None:
    seed("--password", PASSWORD)

    assert set(RequestType.objects.filter(requires_account=True).values_list("slug", flat=True)) == {
        "inscription-scolaire",
        "inscription-cantine",
    }


def test_family_requests_ask_for_a_household_member_and_a_demo_family_can_sign_in(client) -> None:
    seed("--password", PASSWORD)
    seed("--password", PASSWORD)  # idempotent: no second child, no second record

    family_types = RequestType.objects.filter(requires_family_member=True)
    assert set(family_types.values_list("slug", flat=True)) == {"inscription-scolaire", "inscription-cantine"}
    assert not Field.objects.filter(request_type__in=family_types, code="enfant").exists()
    [spec] = demo_data.CITIZEN_ACCOUNTS
    user = get_user_model().objects.get(email=spec.email)
    assert (user.citizen.city, user.citizen.phone) == (spec.city, spec.phone)
    assert [m.first_name for m in user.citizen.household_members.order_by("birth_date")] == ["Lucas", "Chloé"]
    response = client.post("/compte/login/", {"login": spec.email, "password": PASSWORD})
    assert response.status_code == 302  # verified email: signed in straight away
    page = client.get("/demarches/inscription-cantine/")
    assert "Lucas" in page.content.decode() and "Chloé" in page.content.decode()


def test_the_mail_room_has_letters_to_qualify_once() -> None:
    from guichet.mailroom.models import MailItem, MailStatus

    seed("--password", PASSWORD)
    seed("--password", PASSWORD)
    items = MailItem.objects.order_by("received_on")
    assert [(i.original_name, i.status, i.page_count) for i in items] == [
        ("courrier-martin.png", MailStatus.TO_QUALIFY, 1),
        ("courrier-benoit.png", MailStatus.TO_QUALIFY, 1),
    ]


def test_second_run_creates_nothing_and_keeps_existing_passwords() -> None:
    seed("--password", PASSWORD)
    before = counts()
    user = get_user_model().objects.get(username="voirie1")
    user.set_password("choisi-par-l-agent")
    user.save()

    output = seed("--password", "autre-mot-de-passe")

    assert counts() == before
    user.refresh_from_db()
    assert user.check_password("choisi-par-l-agent")
    assert "autre-mot-de-passe" not in output
    assert "inchangé" in output


def test_reset_passwords_replaces_existing_passwords() -> None:
    seed("--password", PASSWORD)

    output = seed("--password", "nouveau-mot-de-passe", "--reset-passwords")

    assert authenticate(None, username="voirie1", password="nouveau-mot-de-passe") is not None
    assert "inchangé" not in output


def test_every_demo_agent_can_log_in_with_the_given_password() -> None:
    output = seed("--password", PASSWORD)

    for spec in demo_data.AGENTS:
        user = authenticate(None, username=spec.username, password=PASSWORD)
        assert user is not None, spec.username
        assert user.agent.role == spec.role
        assert spec.username in output
    assert PASSWORD in output


def test_roles_and_admin_access() -> None:
    seed("--password", PASSWORD)

    assert Agent.objects.get(user__username="responsable").role == Role.SUPERVISOR
    assert Agent.objects.get(user__username="accueil").role == Role.RECEPTION
    assert Agent.objects.get(user__username="courrier").role == Role.MAIL_ROOM
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.agent.role == Role.ADMINISTRATOR
    assert list(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]


def test_each_active_request_type_has_a_service_agent() -> None:
    seed("--password", PASSWORD)

    for request_type in RequestType.objects.active().select_related("service"):
        agents = request_type.service.agents.filter(role=Role.SERVICE_AGENT)
        assert agents.exists(), request_type.slug


def test_empty_password_is_refused() -> None:
    with pytest.raises(CommandError):
        seed("--password", " ")
    assert not Service.objects.exists()


def test_if_empty_leaves_an_existing_catalogue_alone_and_lists_logins() -> None:
    seed()
    RequestType.objects.update(name="Renommée par la mairie")
    out = seed("--if-empty")
    assert set(RequestType.objects.values_list("name", flat=True)) == {"Renommée par la mairie"}
    assert "non rechargées" in out
    assert "responsable" in out


# The past (guichet/demo/history.py) -------------------------------------------------------------


NOW = datetime.datetime(2026, 6, 15, 10, 30, tzinfo=datetime.UTC)


def seed_history_at(now: datetime.datetime) -> None:
    with transaction.atomic():
        history.seed_history(Counter(), now=now)


def history_shape() -> list[tuple]:
    """Everything a run decides, except the reference numbers (drawn by the product's secure generator)."""
    shape = []
    tickets = Ticket.objects.select_related("citizen", "assignee", "service").order_by("created_at", "subject")
    for ticket in tickets:
        events = list(ticket.events.order_by("created_at", "pk").values_list("kind", "to_status", "created_at"))
        bodies = list(ticket.messages.order_by("created_at", "pk").values_list("visibility", "body"))
        shape.append(
            (
                ticket.subject,
                ticket.channel,
                ticket.status,
                ticket.service.slug,
                ticket.citizen.email if ticket.citizen else "",
                ticket.assignee.username if ticket.assignee else "",
                ticket.created_at,
                ticket.due_date,
                ticket.closed_at,
                ticket.answers,
                events,
                bodies,
            )
        )
    return shape


def test_the_history_is_the_same_on_every_run(monkeypatch) -> None:
    """Two runs on two databases (here: the same one emptied in between) write the same stories."""
    monkeypatch.setattr(demo_data, "HISTORY_TICKETS", 60)
    seed("--password", PASSWORD, "--no-history")

    seed_history_at(NOW)
    first = history_shape()
    references = set(Ticket.objects.values_list("reference", flat=True))
    Ticket.objects.all().delete()
    Citizen.objects.filter(user=None).delete()
    seed_history_at(NOW)

    assert history_shape() == first
    assert len(first) == 60 + len(history.ACCOUNT_STORIES)
    assert history.plan_history(now=NOW) == history.plan_history(now=NOW)
    assert not references & set(Ticket.objects.values_list("reference", flat=True))  # drawn afresh


def test_a_second_run_adds_no_past_and_if_empty_does_nothing(monkeypatch) -> None:
    monkeypatch.setattr(demo_data, "HISTORY_TICKETS", 60)
    seed("--password", PASSWORD)
    models = [Ticket, Event, Message, Notification, Citizen, DeliveryAttempt]
    before = {model.__name__: model.objects.count() for model in models}

    output = seed("--password", PASSWORD)
    assert "Demandes (historique)" in output and "déjà en place" in output
    seed("--if-empty")

    assert {model.__name__: model.objects.count() for model in models} == before


def test_a_run_interrupted_halfway_is_completed_without_duplicates(monkeypatch) -> None:
    monkeypatch.setattr(demo_data, "HISTORY_TICKETS", 40)
    seed("--password", PASSWORD)
    Ticket.objects.filter(pk__in=Ticket.objects.order_by("pk").values("pk")[:10]).delete()

    output = seed("--password", PASSWORD)

    assert "dont 10 créées" in output
    assert Ticket.objects.count() == 40 + len(history.ACCOUNT_STORIES)
    assert Ticket.objects.values("submission_key").distinct().count() == Ticket.objects.count()


def test_no_history_seeds_the_commune_alone() -> None:
    output = seed("--password", PASSWORD, "--no-history")

    assert RequestType.objects.exists()
    assert not Ticket.objects.exists()
    assert "historique" not in output


def test_the_time_travel_helper_is_never_imported_by_the_product() -> None:
    """``guichet.demo.timetravel`` patches ``timezone.now``: only the demo's own modules may import it."""
    root = Path(__file__).resolve().parents[2] / "guichet"
    importers = []
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "demo"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(name.startswith("guichet.demo") for name in names):
                importers.append(str(path.relative_to(root)))
    assert importers == []
