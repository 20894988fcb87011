"""Development SMS backend: one JSON file per message under SMS_FILE_PATH."""

import json
import os

from django.conf import settings
from django.utils import timezone


def send_sms(*, to: str, text: str, reference: str) -> str:
    directory = settings.SMS_FILE_PATH
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{timezone.now():%Y%m%d-%H%M%S}-{reference}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"to": to, "text": text, "sent_at": timezone.now().isoformat()}, ensure_ascii=False))
    os.replace(tmp, path)
    return f"file:{path.name}"
