"""`apply_retention` by hand (dry run, batches, limit, per-type policies), the daily run in the worker, and the
rights requests' entry points."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from guichet.citizens.models import Citizen
from guichet.notifications import registry
from guichet.notifications.daily import daily_tasks_enqueue
from guichet.organisation.models import RetentionAction
from guichet.retention.job import retention_daily
from guichet.retention.models import RetentionPolicy
from guichet.retention.policies import add_months
from guichet.retention.services import anonymise_citizen
from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Event, EventKind, Ticket
from tests import factories
from tests.retention.test_time_travel import database_dump

pytestmark = pytest.mark.django_db


def closed_long_ago(request_type, citizen, agent, *, months: int = 13) -> Ticket:
    ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    # The clock cannot be turned back inside the services: the test ages the row itself.
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=add_months(timezone.now(), -months))
    return ticket


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_and_changes_nothing(request_type, citizen, agent):
    for _ in range(3):
        closed_long_ago(request_type, citizen, agent)
    before = database_dump()
    output = run("--dry-run")
    assert "Simulation : rien n'a été modifié." in output
    assert "Demandes à anonymiser (règle de la commune, 12 mois après la clôture) : 3" in output
    assert database_dump() == before


def test_limit_and_batches_resume_where_the_last_run_stopped(request_type, citizen, agent):
    tickets = [closed_long_ago(request_type, citizen, agent) for _ in range(5)]
    output = run("--limit", "2", "--batch", "1")
    assert "Demandes anonymisées (règle de la commune, 12 mois après la clôture) : 2" in output
    assert Ticket.objects.filter(anonymised_at__isnull=False).count() == 2
    run("--batch", "2")
    assert Ticket.objects.filter(anonymised_at__isnull=False).count() == 5
    assert Event.objects.filter(kind=EventKind.ANONYMISED, ticket__in=tickets).count() == 5
    assert not Citizen.objects.exists()  # its last ticket gone, no account: the record goes too


def test_bad_options_are_refused_in_french(db):
    with pytest.raises(CommandError, match="entiers positifs"):
        run("--batch", "0")


def test_a_request_types_own_policy_wins_and_may_delete(request_type, citizen, agent, service):
    short = factories.RequestTypeFactory(service=service, name="Signalement bruit", slug="bruit")
    RetentionPolicy.objects.create(request_type=short, months=1, action=RetentionAction.DELETE)
    deleted = closed_long_ago(short, citizen, agent, months=2)
    kept = closed_long_ago(request_type, citizen, agent, months=2)  # the commune's 12 months
    output = run()
    assert "Demandes supprimées (démarche, 1 mois après la clôture) : 1" in output
    assert not Ticket.objects.filter(pk=deleted.pk).exists()
    kept.refresh_from_db()
    assert kept.anonymised_at is None and kept.citizen == citizen


def test_the_workers_queue_the_daily_run_once_a_day(db):
    assert retention_daily in registry.daily_tasks()
    now = timezone.now()
    assert retention_daily.module_path in daily_tasks_enqueue(now=now)
    assert daily_tasks_enqueue(now=now) == []
    assert DBTaskResult.objects.filter(task_path=retention_daily.module_path).count() == 1
    tomorrow = now + datetime.timedelta(days=1)
    DBTaskResult.objects.update(enqueued_at=now)
    assert retention_daily.module_path in daily_tasks_enqueue(now=tomorrow)  # beside the other apps' daily tasks


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_daily_task(request_type, citizen, agent, run_worker):
    ticket = closed_long_ago(request_type, citizen, agent)
    daily_tasks_enqueue()
    run_worker()
    ticket.refresh_from_db()
    assert ticket.anonymised_at is not None


def test_an_erasure_request_anonymises_every_ticket_but_the_held_ones(request_type, citizen, agent, supervisor):
    open_ticket = factories.make_ticket(request_type=request_type, citizen=citizen)
    held = factories.make_ticket(request_type=request_type, citizen=citizen)
    services.ticket_legal_hold_set(ticket=held, actor=supervisor, reason="Contentieux")
    assert anonymise_citizen(citizen, actor=supervisor, reason="Demande d'effacement (RGPD art. 17)") == [
        held.reference
    ]
    open_ticket.refresh_from_db()
    assert open_ticket.citizen is None and open_ticket.anonymised_at is not None
    event = Event.objects.get(ticket=open_ticket, kind=EventKind.ANONYMISED)
    assert event.actor == supervisor and event.data["reason"] == "Demande d'effacement (RGPD art. 17)"
    assert Citizen.objects.filter(pk=citizen.pk).exists()  # the held ticket still names them
    services.ticket_legal_hold_release(ticket=held, actor=supervisor, reason="Jugé")
    assert anonymise_citizen(citizen, actor=supervisor, reason="Demande d'effacement") == []
    assert not Citizen.objects.filter(pk=citizen.pk).exists()


def test_add_months_clamps_to_the_end_of_the_month():
    moment = datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC)
    assert add_months(moment, -1) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert add_months(moment, 11) == datetime.datetime(2027, 2, 28, 12, tzinfo=datetime.UTC)
    assert add_months(moment, 12) == datetime.datetime(2027, 3, 31, 12, tzinfo=datetime.UTC)
