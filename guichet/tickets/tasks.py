"""The worker's side of the statistics' facts: recount the working days when the commune's calendar changes."""

import datetime
import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

from guichet.organisation.models import Commune
from guichet.tickets import facts
from guichet.tickets.models import TicketFacts

logger = logging.getLogger(__name__)


@task()
def recount_ticket_facts() -> int:
    """A closure day was added or removed, or the local holidays changed: every working-day duration of the
    statistics is recounted on the new calendar (grouped: one update per changed group, not per ticket)."""
    changed = facts.facts_recount_working_days(TicketFacts)
    logger.info("Ticket facts recounted on the new calendar: %s groups changed", changed)
    return changed


def calendar_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver of the saves and deletions of ``ClosureDay`` and ``Commune`` (connected in ``apps``)."""
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if not TicketFacts.objects.exists():  # the first start, a demo being seeded: nothing counted yet
        return
    # After every process has dropped its cached calendar (``Commune.CACHE_SECONDS``): a ticket answered in
    # the meantime on the former calendar is recounted too.
    delay = datetime.timedelta(seconds=Commune.CACHE_SECONDS + 30)
    recount_ticket_facts.using(run_after=timezone.now() + delay).enqueue()
