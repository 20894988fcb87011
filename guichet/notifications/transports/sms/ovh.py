"""OVHcloud SMS API, with the standard library's HTTP client and OVH's signed requests.

Relied on, from OVHcloud's public documentation:
- "API SMS Cookbook" (https://docs.ovhcloud.com/en/guides/web-cloud/messaging/sms/api-sms-cookbook):
  one message per call to POST /sms/{serviceName}/jobs; ``message`` and ``receivers`` (one number
  for on-the-fly sending), ``sender``, ``charset``, ``noStopClause`` (non-commercial SMS: no STOP
  mention), ``priority``.
- "Envoyer des SMS avec l'API OVHcloud en PHP" (github.com/ovh/docs, read in its Italian version
  "Inviare SMS con l'API OVHcloud in PHP"): request example
  ``{"charset": "UTF-8", "message": …, "noStopClause": …, "priority": "high",
  "receivers": ["+3360000000"], …}`` and answer ``{"totalCreditsRemoved": 1,
  "invalidReceivers": [], "ids": [26929925], "validReceivers": ["+3360000000"]}``.
- "API SMS" page (https://www.ovhtelecom.fr/sms/api-sms.xml): without
  ``noStopClause`` a custom sender gets a "STOP 36111" mention and is not sent at night.
- "First Steps with the API" (https://docs.ovh.com/gb/en/customer/first-steps-with-ovh-api/):
  headers X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp, X-Ovh-Signature =
  "$1$" + SHA1_HEX(AS+"+"+CK+"+"+METHOD+"+"+QUERY+"+"+BODY+"+"+TSTAMP), QUERY being the full URL.

The timestamp is the local clock: keep the server on NTP. OVH publishes its own time at
GET /auth/time for clients whose clock drifts; not used here, to keep one call per message.
Not found in the documentation consulted: the JSON shape of OVH's error answers, so the raw
answer body is kept in the exception.
"""

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

TIMEOUT_SECONDS = 15


class OvhError(Exception):
    pass


def signature(*, secret: str, consumer_key: str, method: str, url: str, body: str, timestamp: str) -> str:
    clear = "+".join([secret, consumer_key, method, url, body, timestamp])
    return "$1$" + hashlib.sha1(clear.encode()).hexdigest()


def send_sms(*, to: str, text: str, reference: str) -> str:
    url = f"{settings.OVH_ENDPOINT}/sms/{urllib.parse.quote(settings.OVH_SMS_SERVICE, safe='')}/jobs"
    body = json.dumps(
        {
            "charset": "UTF-8",
            "message": text,
            "receivers": [to],
            "sender": settings.SMS_SENDER,
            "noStopClause": True,  # service messages, not marketing
            "priority": "high",
        },
        ensure_ascii=False,
    )
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json;charset=utf-8",
            "X-Ovh-Application": settings.OVH_APPLICATION_KEY,
            "X-Ovh-Consumer": settings.OVH_CONSUMER_KEY,
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": signature(
                secret=settings.OVH_APPLICATION_SECRET,
                consumer_key=settings.OVH_CONSUMER_KEY,
                method="POST",
                url=url,
                body=body,
                timestamp=timestamp,
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise OvhError(f"HTTP {error.code}: {error.read().decode(errors='replace')[:500]}") from None
    if answer.get("invalidReceivers") or not answer.get("ids"):
        raise OvhError(f"OVH did not accept the message: {answer!r}"[:500])
    return str(answer["ids"][0])
