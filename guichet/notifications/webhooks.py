"""Delivery reports pushed by SMS providers.

The provider is authenticated by a secret path segment (settings.SMS_WEBHOOK_SECRET), since
Brevo's SMS webhooks carry no signature. A permanent failure becomes a NOTIFICATION_FAILED event
on the ticket's timeline; other statuses (sent, delivered, soft bounce) change nothing.

Brevo's payload, from "Transactional webhooks" → Transactional SMS events
(https://developers.brevo.com/docs/transactional-webhooks): ``id`` (webhook id), ``to``,
``sms_count``, ``credits_used``, ``messageId`` (integer, the id returned when sending),
``remaining_credit``, ``msg_status`` (sent, delivered, soft_bounce, hard_bounce), ``date``,
``type``, ``reference``.
"""

import json
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guichet.notifications.models import Notification, NotificationChannel
from guichet.notifications.recovery import notification_bounced

BREVO_HARD_FAILURES = frozenset({"hard_bounce"})


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
    # Unknown message ids are acknowledged too, or the provider would keep retrying them.
    return HttpResponse(status=200)


def _record_hard_failure(*, message_id: str, provider_status: str) -> None:
    notification = Notification.objects.filter(channel=NotificationChannel.SMS, provider_message_id=message_id).first()
    if notification is not None:
        # Failed, with an event, once (providers may post the same report twice): listed for an agent to fix.
        notification_bounced(notification=notification, diagnostic=f"Brevo : {provider_status}")
