"""Turn a notification into text.

Templates: emails/<template>.{subject.txt,txt,html} and sms/<template>.txt.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import linebreaks

from guichet.citizens.models import Citizen
from guichet.lib.sms import gsm7_fold
from guichet.notifications import registry
from guichet.notifications.models import Notification, NotificationChannel, TemplateOverride
from guichet.organisation.models import Commune
from guichet.tickets.lifecycle import CITIZEN_STATUS_LABELS, ClosingOutcome
from guichet.tickets.models import Message, TargetKind


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


def follower_context(data: dict[str, Any]) -> dict[str, Any]:
    """What a follower's message or letter says happened (``notifications.models.FollowerChange``)."""
    decision_on = data.get("decision_on")
    status, outcome = data.get("status", ""), data.get("outcome", "")
    return {
        "status_label": CITIZEN_STATUS_LABELS.get(status, ""),
        "outcome_label": ClosingOutcome(outcome).label if outcome in ClosingOutcome.values else "",
        "follower_change": data.get("change", ""),
        "duplicate": data.get("duplicate", ""),
        "decision_on": datetime.date.fromisoformat(decision_on) if decision_on else None,
    }


def render_notification(
    notification: Notification,
    *,
    access_token: str | None = None,
    access_code: str | None = None,
    survey_token: str | None = None,
    secret_url: str | None = None,
    override: TemplateOverride | None = None,
    extra_context: dict[str, Any] | None = None,
) -> Rendered:
    ticket = notification.ticket
    context: dict[str, Any] = {
        "notification": notification,
        "commune": Commune.current(),
        "site_url": settings.SITE_URL,
        "ticket": ticket,
        "access_code": access_code,
        "secret_url": secret_url,
    }
    if ticket is not None:
        context["citizen"] = ticket.citizen
        if follower_id := notification.context.get("follower"):
            # A follower's message greets the follower, never the ticket's author (issue 17).
            context["citizen"] = Citizen.objects.filter(pk=follower_id).first()
            context.update(follower_context(notification.context))
        context.update(registry.context_for(notification.template, ticket))
        context["tracking_url"] = absolute(reverse("portal:ticket", args=[ticket.reference]))
        if access_token:
            route = "portal:short_access" if notification.channel == NotificationChannel.SMS else "portal:access"
            context["access_url"] = absolute(reverse(route, args=[ticket.reference, access_token]))
        if survey_token:
            context["survey_url"] = absolute(reverse("portal:survey", args=[survey_token]))
            context["survey_refusal_url"] = absolute(reverse("portal:survey_refuse", args=[survey_token]))
            context["survey_days"] = settings.GUICHET_SURVEY_DAYS
        if notification.for_agent:
            context["backoffice_url"] = absolute(reverse("backoffice:ticket", args=[ticket.reference]))
    if message_id := notification.context.get("message_id"):
        context["message"] = Message.objects.filter(pk=message_id).first()
    if target := notification.context.get("escalation_target"):
        context["target_label"] = TargetKind(target).label if target in TargetKind.values else target
        context["due_at"] = datetime.datetime.fromisoformat(notification.context["due_at"])
    if digest_of := notification.context.get("digest_of"):
        context["items"] = digest_items(digest_of)
        context["inbox_url"] = absolute(reverse("backoffice:inbox"))
    context.update(extra_context or {})
    with translation.override("fr"):
        parts = _override_parts(override) if override is not None else _parts(notification)
        if notification.channel == NotificationChannel.SMS:
            return Rendered(subject="", text=gsm7_fold(" ".join(parts.text(context).split())), html="")
        return Rendered(
            subject=" ".join(parts.subject(context).split()),
            text=parts.text(context).strip() + "\n",
            html=parts.html(context),
        )


@dataclass(frozen=True)
class _Parts:
    subject: Callable[[dict], str]
    text: Callable[[dict], str]
    html: Callable[[dict], str]


def _parts(notification: Notification) -> _Parts:
    """The commune's active override for this template and channel, else the default files."""
    name = notification.template
    override = TemplateOverride.objects.filter(template=name, channel=notification.channel, is_active=True).first()
    if override is not None:
        return _override_parts(override)
    if notification.channel == NotificationChannel.SMS:
        return _Parts(subject=lambda c: "", text=lambda c: render_to_string(f"sms/{name}.txt", c), html=lambda c: "")
    return _Parts(
        subject=lambda c: render_to_string(f"emails/{name}.subject.txt", c),
        text=lambda c: render_to_string(f"emails/{name}.txt", c),
        html=lambda c: render_to_string(f"emails/{name}.html", c),
    )


def _override_parts(override: TemplateOverride) -> _Parts:
    engine = engines["django"]
    # Subject and text are plain text: no HTML escaping there; the HTML part escapes as usual.
    subject = engine.from_string("{% load i18n %}{% autoescape off %}" + override.subject + "{% endautoescape %}")
    text = engine.from_string("{% load i18n %}{% autoescape off %}" + override.text + "{% endautoescape %}")
    html = engine.from_string("{% load i18n %}" + override.html) if override.html else None
    return _Parts(
        subject=subject.render,
        text=text.render,
        html=lambda c: html.render(c) if html else linebreaks(text.render(c), autoescape=True),
    )
