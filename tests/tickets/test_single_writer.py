"""tickets.services is the only writer of tickets and their events: each write bumps the version (optimistic
concurrency) and forgets the cached status page, whichever app asked for it."""

import ast
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.accounts.services import account_citizen, account_delete, tickets_claim
from guichet.citizens.services import citizens_merge
from guichet.notifications.delivery import deliver
from guichet.notifications.models import Notification
from guichet.tickets import services as ticket_services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import AccessToken, EventKind, Ticket
from guichet.tickets.public_cache import status_page_get, status_page_set
from tests import factories
from tests.accounts.conftest import make_account

ROOT = Path(__file__).resolve().parents[2] / "guichet"
# The models tickets.services alone writes, and what writes them.
TICKET_MODELS = {"Ticket", "Event", "Message", "Attachment", "AccessToken", "AccessCode", "DocumentRequest"}
TICKET_RELATIONS = {
    "tickets",
    "events",
    "messages",
    "attachments",
    "access_tokens",
    "access_codes",
    "document_requests",
}
WRITE_METHODS = {"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
CONSTRUCTED = {"Ticket", "Event"}  # Message() is built unsaved for the notification previews
# Demonstration and benchmark seeders write rows directly, by design (docs/BENCHMARKS.md).
EXEMPT = ("tickets", "demo", "migrations")
# Rows built and never saved.
UNSAVED = {("notifications/preview.py", "Ticket(...)")}  # the sample ticket of the template preview


def _receiver_names(node: ast.AST) -> set[str]:
    """Every name and attribute along the chain a method is called on: Ticket.objects.filter(...).update."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


def ticket_writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in CONSTRUCTED:
            found.append((node.lineno, f"{func.id}(...)"))
        elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
            receivers = _receiver_names(func.value)
            if receivers & TICKET_MODELS or receivers & TICKET_RELATIONS:
                found.append(
                    (node.lineno, f"….{func.attr}() on {sorted(receivers & (TICKET_MODELS | TICKET_RELATIONS))}")
                )
        elif isinstance(func, ast.Attribute) and func.attr in {"save", "delete"}:
            receivers = _receiver_names(func.value)
            if receivers & {"ticket", "event", "tickets"}:
                found.append((node.lineno, f"ticket.{func.attr}()"))
    return found


def test_no_module_outside_tickets_writes_tickets_or_their_events():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in EXEMPT or "migrations" in parts:
            continue
        for line, what in ticket_writes(path.read_text()):
            if ("/".join(parts), what) in UNSAVED:
                continue
            problems.append(f"guichet/{'/'.join(parts)}:{line}: {what}")
    assert not problems, "Only tickets.services writes tickets and their events:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "Event.objects.create(ticket=t, kind='x')",
        "Event.objects.bulk_create(Event(ticket=t) for t in ts)",
        "Ticket.objects.filter(pk__in=ids).update(citizen=keep)",
        "Ticket.objects.bulk_update(tickets, ['answers'])",
        "AccessToken.objects.filter(ticket__in=tickets).delete()",
        "citizen.tickets.all().update(citizen=None)",
        "ticket.save(update_fields=['status'])",
    ],
)
def test_the_writer_check_catches_each_way_of_writing(source):
    assert ticket_writes(source)


def test_the_writer_check_lets_reads_through():
    assert not ticket_writes("Ticket.objects.filter(citizen=c).values_list('pk', flat=True)\nEventKind.CREATED")


# Each operation: version bumped and status page forgotten on commit ---------------------------------


def _cached(ticket: Ticket) -> None:
    status_page_set(ticket.reference, "fr", "<p>ancienne page</p>")


def _assert_touched(ticket: Ticket, version: int) -> None:
    ticket.refresh_from_db()
    assert ticket.version == version + 1
    assert status_page_get(ticket.reference, "fr") is None


@pytest.mark.django_db
def test_merge_moves_tickets_with_a_version_bump_and_forgets_their_status_pages(
    request_type, supervisor, django_capture_on_commit_callbacks
):
    keep = factories.CitizenFactory(email="keep@example.org")
    merge = factories.CitizenFactory(email="merge@example.org")
    tickets = [factories.make_ticket(request_type=request_type, citizen=merge) for _ in range(3)]
    versions = {t.pk: t.version for t in tickets}
    for ticket in tickets:
        _cached(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        citizens_merge(keep=keep, merge=merge, actor=supervisor)
    for ticket in tickets:
        _assert_touched(ticket, versions[ticket.pk])
        assert ticket.citizen_id == keep.pk


@pytest.mark.django_db
def test_a_merge_costs_as_many_queries_for_thirty_tickets_as_for_three(request_type, supervisor):
    counts = []
    for count in (3, 30):
        keep = factories.CitizenFactory(email=f"keep{count}@example.org")
        merge = factories.CitizenFactory(email=f"merge{count}@example.org")
        for _ in range(count):
            factories.make_ticket(request_type=request_type, citizen=merge)
        with CaptureQueriesContext(connection) as queries:
            citizens_merge(keep=keep, merge=merge, actor=supervisor)
        counts.append(len(queries))
    assert counts[0] == counts[1], f"a merge costs more queries with more tickets: {counts}"


@pytest.mark.django_db
def test_claim_moves_tickets_with_a_version_bump_and_forgets_their_status_pages(
    commune, request_type, django_capture_on_commit_callbacks
):
    user = make_account("camille.martin@example.org")
    account_citizen(user)
    walk_in = factories.CitizenFactory(email="camille.martin@example.org", first_name="Camille", last_name="Martin")
    ticket = factories.make_ticket(request_type=request_type, citizen=walk_in)
    version = ticket.version
    _cached(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        tickets_claim(user=user, references=[ticket.reference])
    _assert_touched(ticket, version)
    assert ticket.citizen.user_id == user.pk
    assert ticket.events.filter(kind=EventKind.CLAIMED, actor=user).count() == 1


@pytest.mark.django_db
def test_account_deletion_strips_tickets_with_a_version_bump_and_forgets_their_status_pages(
    commune, request_type, django_capture_on_commit_callbacks
):
    user = make_account("camille.martin@example.org")
    citizen = account_citizen(user)
    ticket = factories.make_ticket(
        request_type=request_type,
        citizen=citizen,
        answers=[
            {"code": "courriel", "label": "Courriel", "kind": "email", "value": "camille.martin@example.org"},
            {"code": "lieu", "label": "Lieu", "kind": "short_text", "value": "rue des Lilas"},
        ],
    )
    AccessToken.objects.create(ticket=ticket, token_hash="0" * 64)
    version = Ticket.objects.get(pk=ticket.pk).version
    _cached(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=user)
    _assert_touched(ticket, version)
    assert [answer["code"] for answer in ticket.answers] == ["lieu"]
    assert not AccessToken.objects.filter(ticket=ticket).exists()
    assert ticket.events.filter(kind=EventKind.ACCOUNT_DELETED).count() == 1
    assert not EmailAddress.objects.filter(email="camille.martin@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_a_delivery_event_forgets_the_status_page_but_keeps_the_agents_form_valid(ticket, agent):
    """The worker writes "notification sent" seconds after the agent acts: the form the agent sees stays valid."""
    version = Ticket.objects.get(pk=ticket.pk).version
    _cached(ticket)
    deliver(Notification.objects.get(ticket=ticket).pk)
    ticket.refresh_from_db()
    assert ticket.events.filter(kind=EventKind.NOTIFICATION_SENT).count() == 1
    assert status_page_get(ticket.reference, "fr") is None
    assert ticket.version == version
    ticket_services.ticket_change_status(
        ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent, expected_version=version
    )


@pytest.mark.django_db
def test_reindexing_the_search_text_keeps_the_version(ticket):
    version = ticket.version
    Ticket.objects.filter(pk=ticket.pk).update(search_text="")
    ticket_services.tickets_search_reindex(ticket_ids=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.version == version
    assert "lefevre" in ticket.search_text
