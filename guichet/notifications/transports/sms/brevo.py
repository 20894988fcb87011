"""Brevo transactional SMS (API v3), with the standard library's HTTP client.

Relied on, from Brevo's public documentation:
- "Transactional SMS endpoints" (https://developers.brevo.com/docs/transactional-sms-endpoints):
  POST {BREVO_API_URL}/transactionalSMS/send with headers ``api-key`` and
  ``content-type: application/json``.
- Changelog "Deprecated Endpoint: POST /v3/transactionalSMS/sms"
  (https://developers.brevo.com/changelog/deprecated-endpoint-post-v3transactionalsmssms): the
  former ``/transactionalSMS/sms`` is replaced by ``/transactionalSMS/send``, which answers
  ``{"messageId": 1511882900176220}``.
- SendTransacSms body: ``sender`` (≤ 11 alphanumeric characters), ``recipient`` (number with its
  country code, e.g. "33689965433"), ``content``, ``type`` ("transactional"), ``unicodeEnabled``,
  ``webUrl`` ("webhook to call for each event triggered by the message").
- "Key concepts" (https://developers.brevo.com/docs/how-it-works): errors are JSON
  ``{"code": "invalid_parameter", "message": "…"}``.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.urls import reverse

from guichet.lib.sms import sms_length

TIMEOUT_SECONDS = 15


class BrevoError(Exception):
    pass


def send_sms(*, to: str, text: str, reference: str) -> str:
    payload = {
        "sender": settings.SMS_SENDER,
        "recipient": to.removeprefix("+"),
        "content": text,
        "type": "transactional",
        # Accents outside GSM 03.38 (ê, ç…) would be lost unless the message goes as unicode.
        "unicodeEnabled": sms_length(text).encoding == "UCS-2",
    }
    if settings.SMS_WEBHOOK_SECRET:
        path = reverse("webhook_sms_brevo", kwargs={"secret": settings.SMS_WEBHOOK_SECRET})
        payload["webUrl"] = f"{settings.SITE_URL}{path}"
    request = urllib.request.Request(
        f"{settings.BREVO_API_URL}/transactionalSMS/send",
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "accept": "application/json",
            "content-type": "application/json",
            "api-key": settings.BREVO_API_KEY,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise BrevoError(f"HTTP {error.code}: {error.read().decode(errors='replace')[:500]}") from None
    if "messageId" not in answer:
        raise BrevoError(f"no messageId in Brevo's answer: {answer!r}"[:500])
    return str(answer["messageId"])
