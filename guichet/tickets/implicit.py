"""The daily run of the implicit-decision clock: warn the agents, then let the silence decide.

Queued once a day by every ``guichet_worker`` (``implicit_decisions_daily``, registered as a daily task in
``TicketsConfig.ready()``), and run by hand or by cron with ``record_implicit_decisions``. Each ticket is its own
transaction in ``tickets.services``, which re-checks everything under the ticket's lock: two runs at once, or a
run repeated after a crash, record each decision and each warning exactly once.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django_tasks import task

from guichet.tickets import selectors, services


@dataclass(frozen=True)
class ClockRun:
    warned: int
    decided: int


def implicit_decisions_run(*, today: datetime.date | None = None) -> ClockRun:
    today = today or timezone.localdate()
    # Decisions first: a ticket decided today needs no warning.
    decided = sum(
        1
        for ticket_id in selectors.implicit_decisions_due(today)
        if services.implicit_decision_record(ticket_id=ticket_id, today=today) is not None
    )
    warned = sum(
        1
        for ticket_id in selectors.implicit_decisions_to_warn(today)
        if services.implicit_decision_warn(ticket_id=ticket_id, today=today) is not None
    )
    return ClockRun(warned=warned, decided=decided)


@task()
def implicit_decisions_daily() -> str:
    """Queued once a day by the workers (``notifications.daily``); safe to run again."""
    run = implicit_decisions_run()
    return f"{run.decided} implicit decision(s) recorded, {run.warned} warning(s) sent"
