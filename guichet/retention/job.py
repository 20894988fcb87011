"""The retention job: every ended ticket past its policy loses its personal data, one ticket per transaction.

Resumable by construction: a done ticket leaves the queue (``anonymised_at`` set, or deleted), so a run stopped
anywhere starts again where it was. Held tickets are skipped. ``dry_run`` counts and changes nothing.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from guichet.citizens.models import Citizen
from guichet.exports.services import exports_purge_expired
from guichet.intake.models import InboundEmail
from guichet.mailroom.models import MailItem
from guichet.retention import notices
from guichet.retention.orphans import orphan_files_delete
from guichet.retention.policies import Policy, commune_policy, policies_by_type
from guichet.retention.services import (
    FORGOTTEN,
    anonymise_ticket_only,
    citizens_delete_orphans,
    delete_ticket,
    files_delete,
    inbound_emails_forget,
    mail_items_forget,
)
from guichet.tickets.models import ENDED_STATUSES, Ticket

logger = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    dry_run: bool
    anonymised: Counter = field(default_factory=Counter)  # by policy label
    deleted: Counter = field(default_factory=Counter)
    held: int = 0
    failed: int = 0
    citizens: int = 0
    emails: int = 0
    scans: int = 0
    exports: int = 0
    files: int = 0
    notices: int = 0

    def lines(self) -> list[str]:
        dry = self.dry_run
        out = [
            f"Demandes {'à anonymiser' if dry else 'anonymisées'} ({label}) : {n}"
            for label, n in sorted(self.anonymised.items())
        ]
        out += [
            f"Demandes {'à supprimer' if dry else 'supprimées'} ({label}) : {n}"
            for label, n in sorted(self.deleted.items())
        ]
        out += [
            f"Demandes échues sous gel de conservation (ignorées) : {self.held}",
            f"Fiches usager sans demande ni compte {'à supprimer' if dry else 'supprimées'} : {self.citizens}",
            f"Courriels reçus sans demande {'à effacer' if dry else 'effacés'} : {self.emails}",
            f"Courriers scannés sans demande {'à effacer' if dry else 'effacés'} : {self.scans}",
            f"Avis avant effacement {'à envoyer' if dry else 'programmés'} : {self.notices}",
        ]
        if not dry:
            out += [f"Exports expirés supprimés : {self.exports}", f"Fichiers orphelins supprimés : {self.files}"]
        if self.failed:
            out.append(f"Demandes en erreur (reprises au prochain passage) : {self.failed}")
        return out


def expired_condition(policies: dict[int, Policy], now: datetime.datetime) -> Q:
    """Ended, not anonymised yet, closed before its policy's cutoff (one term per distinct policy)."""
    by_rule: dict[tuple[int, str], list[int]] = {}
    for type_id, policy in policies.items():
        by_rule.setdefault((policy.months, policy.action), []).append(type_id)
    condition = Q(pk__in=[])
    for type_ids in by_rule.values():
        policy = policies[type_ids[0]]
        condition |= Q(request_type_id__in=type_ids, closed_at__lt=policy.cutoff(now))
    return condition & Q(anonymised_at__isnull=True, closed_at__isnull=False, status__in=sorted(ENDED_STATUSES))


def apply_retention(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    batch: int = 500,
    limit: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    policies = policies_by_type()
    expired = Ticket.objects.filter(expired_condition(policies, now))
    report.held = expired.filter(legal_hold_at__isnull=False).count()
    queue = expired.filter(legal_hold_at__isnull=True).order_by("closed_at", "pk")
    if dry_run:
        rows = queue.values_list("request_type_id", flat=True)
        for type_id in rows[:limit] if limit else rows:
            policy = policies[type_id]
            (report.deleted if policy.deletes else report.anonymised)[policy.label] += 1
    else:
        _run_queue(queue, policies, report, batch=batch, limit=limit, progress=progress)
    _forget_orphans(report, now=now, dry_run=dry_run)
    report.notices = notices.notices_send(now=now, policies=policies, dry_run=dry_run)
    return report


def _run_queue(queue, policies, report: RetentionReport, *, batch: int, limit: int | None, progress) -> None:
    failed: list[int] = []
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        tickets = list(queue.exclude(pk__in=failed).select_related("request_type")[:size])
        if not tickets:
            return
        for ticket in tickets:
            policy = policies[ticket.request_type_id]
            try:
                changed = delete_ticket(ticket) if policy.deletes else anonymise_ticket_only(ticket, policy=policy)
            except Exception:  # one bad row never stops the run: it is retried at the next one
                logger.exception("Retention failed for ticket %s", ticket.pk)
                failed.append(ticket.pk)
                report.failed += 1
                continue
            if changed:
                (report.deleted if policy.deletes else report.anonymised)[policy.label] += 1
            else:
                failed.append(ticket.pk)  # held meanwhile: not this run
            done += 1
        # The records these tickets leave without a ticket (and without an account) go once per batch.
        report.citizens += citizens_delete_orphans(ids={t.citizen_id for t in tickets if t.citizen_id is not None})
        if progress:
            progress(f"{done} demandes traitées")


def _forget_orphans(report: RetentionReport, *, now: datetime.datetime, dry_run: bool) -> None:
    """What no ticket holds: idle citizen records, emails left in quarantine or ignored, unqualified scans."""
    cutoff = commune_policy().cutoff(now)
    citizens = Citizen.objects.filter(
        user__isnull=True, tickets__isnull=True, followed_tickets__isnull=True, updated_at__lt=cutoff
    )
    emails = InboundEmail.objects.filter(ticket__isnull=True, received_at__lt=cutoff).exclude(
        message_id__startswith=FORGOTTEN
    )
    scans = MailItem.objects.filter(ticket__isnull=True, created_at__lt=cutoff, parts__isnull=True).exclude(file="")
    if dry_run:
        report.citizens, report.emails, report.scans = citizens.count(), emails.count(), scans.count()
        return
    report.citizens += citizens_delete_orphans(idle_before=cutoff)
    with transaction.atomic():
        report.emails, report.scans = emails.count(), scans.count()
        files = inbound_emails_forget(emails) + mail_items_forget(scans)
        transaction.on_commit(lambda: files_delete(files))
    report.exports = exports_purge_expired(now=now)
    report.files = orphan_files_delete()


@task()
def retention_daily() -> str:
    """Queued once a day by the workers (``notifications.daily``); safe to run again."""
    report = apply_retention()
    for line in report.lines():
        logger.info("Retention: %s", line)
    return "\n".join(report.lines())
