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

Delivery reports: the callback URL is a setting of the SMS account (``callBack`` of
PUT /sms/{serviceName}, set by ``manage.py ovh_sms_callback``); OVH then calls it with ``id`` (the id
returned when sending), ``dlr`` and ``ptt`` in the query string — see notifications/webhooks.py.

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


def _call(method: str, path: str, payload: dict) -> object:
    """One signed call to OVH's API; the decoded JSON answer (None for an empty one)."""
    url = f"{settings.OVH_ENDPOINT}{path}"
    body = json.dumps(payload, ensure_ascii=False)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method=method,
        headers={
            "Content-Type": "application/json;charset=utf-8",
            "X-Ovh-Application": settings.OVH_APPLICATION_KEY,
            "X-Ovh-Consumer": settings.OVH_CONSUMER_KEY,
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": signature(
                secret=settings.OVH_APPLICATION_SECRET,
                consumer_key=settings.OVH_CONSUMER_KEY,
                method=method,
                url=url,
                body=body,
                timestamp=timestamp,
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise OvhError(f"HTTP {error.code}: {error.read().decode(errors='replace')[:500]}") from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise OvhError(f"OVH unreachable: {error}") from None
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise OvhError(f"OVH answered something that is not JSON: {raw[:200]!r}") from None


def _service_path() -> str:
    return f"/sms/{urllib.parse.quote(settings.OVH_SMS_SERVICE, safe='')}"


def send_sms(*, to: str, text: str, reference: str) -> str:
    answer = _call(
        "POST",
        f"{_service_path()}/jobs",
        {
            "charset": "UTF-8",
            "message": text,
            "receivers": [to],
            "sender": settings.SMS_SENDER,
            "noStopClause": True,  # service messages, not marketing
            "priority": "high",
        },
    )
    if not isinstance(answer, dict) or answer.get("invalidReceivers") or not answer.get("ids"):
        raise OvhError(f"OVH did not accept the message: {answer!r}"[:500])
    return str(answer["ids"][0])


def set_delivery_callback(url: str) -> None:
    """Ask OVH to call ``url`` whenever the status of a message sent from this SMS account changes."""
    _call("PUT", _service_path(), {"callBack": url})
