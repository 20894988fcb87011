"""Email backend for the zero-config install: one ``.eml`` file per message under EMAIL_FILE_PATH."""

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            tmp = self.directory / f".{name}.tmp"
            # Django's SafeMIME* messages take linesep, which the standard library's stubs do not know.
            tmp.write_bytes(message.message().as_bytes(linesep="\r\n"))  # type: ignore[call-arg]
            os.replace(tmp, self.directory / name)  # readers never see a half-written file
            sent += 1
        return sent
