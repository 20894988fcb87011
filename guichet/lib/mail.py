"""Guichet's emails: the message class every email goes out as, and the zero-config install's backend (one
``.eml`` file per message under EMAIL_FILE_PATH)."""

import os
import uuid
from collections.abc import Sequence
from email.header import Header
from email.message import Message
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives
from django.utils import timezone


class Email(EmailMultiAlternatives):
    """Django's message, with a non-ASCII subject that starts on its own header line.

    Django encodes such a subject as if no header name stood before it; the folding then puts the whole of it on
    the next line, after an empty "Subject:" (some clients show a leading space, others a blank subject in their
    lists). Encoded knowing its name, it starts on the Subject line."""

    @classmethod
    def copy_of(cls, message: EmailMessage) -> "Email":
        """The same message as this class (for one a library built, such as allauth's)."""
        copy = cls(
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
            to=message.to,
            cc=message.cc,
            bcc=message.bcc,
            reply_to=message.reply_to,
            headers=message.extra_headers,
            alternatives=getattr(message, "alternatives", None),
        )
        copy.attachments = message.attachments
        copy.content_subtype = message.content_subtype
        return copy

    def message(self, **kwargs: Any) -> Any:  # Django 5.2 takes no argument; its stubs describe 6.0's `policy`
        message = super().message(**kwargs)  # refuses a subject with a line break, as before
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # Message.__setitem__ itself: Django's would turn the Header back into text and encode it again.
            Message.__setitem__(message, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return message


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
