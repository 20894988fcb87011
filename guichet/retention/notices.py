"""The notice before expiry: a citizen with an email is told, once per ticket, GUICHET_RETENTION_NOTICE_DAYS
before its personal data is erased, with a link to download the request and its answers as PDF.

The link carries a signed token naming only that ticket (``django.core.signing``, salted, expiring after
GUICHET_RETENTION_LINK_DAYS); it is signed when the email is sent, so no usable link is stored.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from guichet.lib.pdf import weasyprint as weasyprint_module
from guichet.notifications.models import Notification, NotificationChannel, Template
from guichet.notifications.registry import Secret
from guichet.notifications.services import notification_queue
from guichet.organisation.models import Commune
from guichet.retention.policies import Policy, add_months
from guichet.tickets.models import ENDED_STATUSES, Ticket, Visibility

SALT = "guichet.retention.download"


def download_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.reference, salt=SALT, compress=True)


def ticket_for_download(token: str) -> Ticket | None:
    """The ticket a token names, while the token is young enough and the ticket still has its data."""
    try:
        reference = signing.loads(
            token, salt=SALT, max_age=datetime.timedelta(days=settings.GUICHET_RETENTION_LINK_DAYS)
        )
    except signing.BadSignature:
        return None
    return (
        Ticket.objects.select_related("request_type", "service", "citizen")
        .filter(reference=reference, anonymised_at__isnull=True)
        .first()
    )


def _issue(notification: Notification) -> str | None:
    ticket = notification.ticket
    if ticket is None or ticket.anonymised_at is not None:
        return None
    return settings.SITE_URL + reverse("retention:download", args=[download_token(ticket)])


DOWNLOAD_LINK = Secret(kind="url", issue=_issue, withdraw=lambda notification, value: None)


def notices_send(*, now: datetime.datetime, policies: dict[int, Policy], dry_run: bool = False) -> int:
    """Queue the notice for every ticket that expires within the notice delay and was not told yet."""
    days = settings.GUICHET_RETENTION_NOTICE_DAYS
    if days <= 0:
        return 0
    soon = now + datetime.timedelta(days=days)
    told = Notification.objects.filter(ticket=OuterRef("pk"), template=Template.RETENTION_NOTICE)
    candidates = (
        Ticket.objects.filter(
            status__in=sorted(ENDED_STATUSES),
            anonymised_at__isnull=True,
            legal_hold_at__isnull=True,
            closed_at__isnull=False,
            closed_at__gte=min(policy.cutoff(now) for policy in policies.values()) if policies else now,
        )
        .exclude(citizen__email="")
        .exclude(citizen__isnull=True)
        .exclude(Exists(told))
        .select_related("citizen")
        .order_by("closed_at", "pk")
    )
    sent = 0
    for ticket in candidates.iterator():
        policy = policies[ticket.request_type_id]
        assert ticket.closed_at is not None and ticket.citizen is not None  # filtered above
        if ticket.closed_at >= policy.cutoff(soon):
            continue  # not expiring within the delay
        sent += 1
        if not dry_run:
            expires = timezone.localdate(add_months(ticket.closed_at, policy.months))
            notification_queue(
                ticket=ticket,
                template=Template.RETENTION_NOTICE,
                channel=NotificationChannel.EMAIL,
                recipient=ticket.citizen.email,
                idempotency_key=f"retention_notice:{ticket.pk}",
                context={"expires_on": expires.isoformat()},
            )
    return sent


def ticket_pdf(ticket: Ticket) -> bytes:
    """The request, its answers and the town hall's public messages, as the citizen keeps them."""
    weasyprint = weasyprint_module()
    context: dict[str, Any] = {
        "commune": Commune.current(),
        "ticket": ticket,
        "answers": [answer for answer in ticket.answers if answer.get("kind") != "file"],
        "messages": ticket.messages.filter(visibility=Visibility.PUBLIC).order_by("created_at", "pk"),
        "events": [event for event in ticket.events.order_by("created_at", "pk") if event.is_public],
        "printed_at": timezone.now(),
    }
    with translation.override("fr"):
        html = render_to_string("retention/ticket.pdf.html", context)
    document = weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf()
