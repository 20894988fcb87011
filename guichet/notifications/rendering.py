"""Turn a notification into text.

Templates: emails/<template>.{subject.txt,txt,html} and sms/<template>.txt.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from guichet.lib.sms import gsm7_fold
from guichet.notifications.models import Notification, NotificationChannel
from guichet.organisation.models import Commune
from guichet.tickets.models import Message


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def digest_items(notification_ids: list[int]) -> list[dict[str, Any]]:
    held = (
        Notification.objects.filter(pk__in=notification_ids)
        .select_related("ticket", "ticket__request_type", "ticket__citizen")
        .order_by("created_at")
    )
    return [
        {
            "notification": item,
            "ticket": item.ticket,
            "url": absolute(reverse("backoffice:ticket", args=[item.ticket.reference])),
        }
        for item in held
        if item.ticket is not None
    ]


def render_notification(
    notification: Notification, *, access_token: str | None = None, access_code: str | None = None
) -> Rendered:
    ticket = notification.ticket
    context: dict[str, Any] = {
        "notification": notification,
        "commune": Commune.current(),
        "site_url": settings.SITE_URL,
        "ticket": ticket,
        "access_code": access_code,
    }
    if ticket is not None:
        context["citizen"] = ticket.citizen
        context["tracking_url"] = absolute(reverse("portal:ticket", args=[ticket.reference]))
        if access_token:
            route = "portal:short_access" if notification.channel == NotificationChannel.SMS else "portal:access"
            context["access_url"] = absolute(reverse(route, args=[ticket.reference, access_token]))
        if notification.for_agent:
            context["backoffice_url"] = absolute(reverse("backoffice:ticket", args=[ticket.reference]))
    if message_id := notification.context.get("message_id"):
        context["message"] = Message.objects.filter(pk=message_id).first()
    if digest_of := notification.context.get("digest_of"):
        context["items"] = digest_items(digest_of)
        context["inbox_url"] = absolute(reverse("backoffice:inbox"))
    name = notification.template
    with translation.override("fr"):
        if notification.channel == NotificationChannel.SMS:
            text = gsm7_fold(" ".join(render_to_string(f"sms/{name}.txt", context).split()))
            return Rendered(subject="", text=text, html="")
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        return Rendered(
            subject=subject,
            text=render_to_string(f"emails/{name}.txt", context).strip() + "\n",
            html=render_to_string(f"emails/{name}.html", context),
        )
