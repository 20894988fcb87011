"""Escalation of targets about to be missed or missed, and the recomputation of targets in the worker.

``escalation_run`` is the periodic job every ``guichet_worker`` runs beside its recovery sweep (registered
in ``TicketsConfig.ready()``; the cron command ``escalate_tickets`` runs it too). For each open ticket whose
clock runs (received or in progress: a ticket waiting for the citizen is paused):

* the moment of warning of a target has come → the agent in charge is alerted (the service's agents when
  nobody is): step « warning »;
* the target is missed → the service's supervisors are alerted: step « missed » (a ticket found already
  late, the worker having been stopped, gets this step only).

Each step happens once per ticket, target and due moment (``Escalation``'s unique constraint, checked
under the ticket's lock by ``tickets.services.ticket_escalate``): running the job twice, or in two workers
at once, alerts nobody twice.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from guichet.tickets import services
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Escalation, EscalationStep, TargetKind, Ticket

RUNNING = [Status.RECEIVED, Status.IN_PROGRESS]
TARGET_FIELDS: dict[str, tuple[str, str]] = {
    TargetKind.FIRST_RESPONSE: ("first_response_due", "first_response_warn_at"),
    TargetKind.RESOLUTION: ("resolution_due", "resolution_warn_at"),
}


def _step_done(target: str, step: str, due_field: str) -> Exists:
    return Exists(
        Escalation.objects.filter(ticket=OuterRef("pk"), target=target, step=step, due_at=OuterRef(due_field))
    )


def _pending(target: str, now: datetime.datetime) -> Q:
    """Open tickets with a step of ``target`` to take now (one indexed range per target)."""
    due_field, warn_field = TARGET_FIELDS[target]
    running = Q(status__in=RUNNING, **{f"{warn_field}__lte": now})
    if target == TargetKind.FIRST_RESPONSE:
        running &= Q(first_responded_at__isnull=True)
    warning = Q(**{f"{due_field}__gt": now}) & ~_step_done(target, EscalationStep.WARNING, due_field)
    missed = Q(**{f"{due_field}__lte": now}) & ~_step_done(target, EscalationStep.MISSED, due_field)
    return running & (warning | missed)


def escalation_run(*, now: datetime.datetime | None = None) -> int:
    """Take every escalation step that is due; returns how many were taken by this run."""
    now = now or timezone.now()
    taken = 0
    for target in TargetKind:
        due_field, _warn_field = TARGET_FIELDS[target]
        candidates = Ticket.objects.filter(_pending(target, now)).order_by("pk").values_list("pk", due_field)
        for ticket_id, due in candidates.iterator(chunk_size=500):
            step = EscalationStep.MISSED if due <= now else EscalationStep.WARNING
            taken += services.ticket_escalate(ticket_id=ticket_id, target=target, step=step, now=now)
    return taken


@task()
def targets_recompute() -> int:
    """Every open ticket's targets again, after a change of the calendar or of a priority's targets."""
    return services.tickets_targets_recompute()


def targets_recompute_later() -> None:
    """Queue the recomputation with the caller's change (a row in its transaction, run by the worker)."""
    targets_recompute.enqueue()
