"""Delivery reports pushed by SMS providers.

The provider is authenticated by a secret path segment (settings.SMS_WEBHOOK_SECRET), since
Brevo's SMS webhooks carry no signature. A permanent failure becomes a NOTIFICATION_FAILED event
on the ticket's timeline; a confirmed delivery sets ``delivered_at``; other statuses change nothing.

Brevo's payload, from "Transactional webhooks" → Transactional SMS events
(https://developers.brevo.com/docs/transactional-webhooks): ``id`` (webhook id), ``to``,
``sms_count``, ``credits_used``, ``messageId`` (integer, the id returned when sending),
``remaining_credit``, ``msg_status`` (sent, delivered, soft_bounce, hard_bounce), ``date``,
``type``, ``reference``.

OVHcloud calls the account's callback URL (set with ``manage.py ovh_sms_callback``) with a GET whose
query string holds ``id`` (the id returned when sending), ``dlr`` and ``ptt``. OVH's current guides do
not describe it; the description relied on is OVH's former documentation, quoted in the ovh/docs issue
#1496 ("L'utilisation d'une callback…", 2023): ``dlr`` 1 = delivered, 2 = not delivered, 4 = pending,
8 = handed to the operator, 16 = refused by the operator; ``ptt`` details the operator's state
(4 = delivered, 5 = confirmed undelivered, 8 = expired undelivered). Final failures are dlr 2 or 16, or ptt
5 or 8.
"""

import json
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from guichet.notifications.models import Notification, NotificationChannel
from guichet.notifications.recovery import notification_bounced, notification_delivered

BREVO_HARD_FAILURES = frozenset({"hard_bounce"})
BREVO_DELIVERED = "delivered"
OVH_DELIVERED_DLR, OVH_DELIVERED_PTT = "1", "4"
OVH_FAILED_DLR = {"2": "non délivré", "16": "refusé par l'opérateur"}
OVH_FAILED_PTT = {"5": "non délivré", "8": "expiré sans être délivré"}


def _check_secret(secret: str) -> None:
    expected = settings.SMS_WEBHOOK_SECRET
    if not expected or not secrets.compare_digest(secret.encode(), expected.encode()):
        raise Http404


@csrf_exempt
@require_POST
def brevo_sms(request: HttpRequest, secret: str) -> HttpResponse:
    _check_secret(secret)
    try:
        report = json.loads(request.body)
        message_id, status = str(report["messageId"]), str(report["msg_status"])
    except (ValueError, TypeError, KeyError):
        return HttpResponseBadRequest()
    if status in BREVO_HARD_FAILURES:
        _record_hard_failure(message_id=message_id, provider_status=status)
    elif status == BREVO_DELIVERED:
        _record_delivery(message_id)
    # Unknown message ids are acknowledged too, or the provider would keep retrying them.
    return HttpResponse(status=200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ovh_sms(request: HttpRequest, secret: str) -> HttpResponse:
    _check_secret(secret)
    report = request.GET if request.method == "GET" else request.POST
    message_id, dlr, ptt = report.get("id", "").strip(), report.get("dlr", "").strip(), report.get("ptt", "").strip()
    if not message_id.isdigit() or not (dlr or ptt):
        return HttpResponseBadRequest()
    reason = OVH_FAILED_DLR.get(dlr) or OVH_FAILED_PTT.get(ptt)
    if reason:
        _record_hard_failure(
            message_id=message_id, provider_status=f"{reason} (dlr={dlr or '-'}, ptt={ptt or '-'})", provider="OVHcloud"
        )
    elif dlr == OVH_DELIVERED_DLR or ptt == OVH_DELIVERED_PTT:
        _record_delivery(message_id)
    return HttpResponse("OK", content_type="text/plain")


def _sms(message_id: str) -> Notification | None:
    return Notification.objects.filter(channel=NotificationChannel.SMS, provider_message_id=message_id).first()


def _record_delivery(message_id: str) -> None:
    if (notification := _sms(message_id)) is not None:
        notification_delivered(notification=notification)


def _record_hard_failure(*, message_id: str, provider_status: str, provider: str = "Brevo") -> None:
    if (notification := _sms(message_id)) is not None:
        # Failed, with an event, once (providers may post the same report twice): listed for an agent to fix.
        notification_bounced(notification=notification, diagnostic=f"{provider} : {provider_status}")
