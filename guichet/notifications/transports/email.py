from email.header import Header
from email.message import Message
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from guichet.notifications.models import Notification
from guichet.notifications.rendering import Rendered, domain
from guichet.organisation.models import Commune

DEFAULT_SENDER_NAME = "Mairie"  # the zero-config DEFAULT_FROM_EMAIL's name


def sender() -> str:
    """The configured address, shown under the commune's name unless the setting names the sender."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name and name != DEFAULT_SENDER_NAME:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((Commune.current().name, address))


def reply_to(notification: Notification) -> list[str]:
    """The plus-address that routes a citizen's reply back to the ticket (empty when not configured)."""
    if not settings.EMAIL_REPLY_TO or notification.ticket is None or not notification.for_citizen:
        return []
    local, domain = settings.EMAIL_REPLY_TO.split("@")
    return [f"{local}+{notification.ticket.reference}@{domain}"]


class NotificationEmail(EmailMultiAlternatives):
    def message(self, **kwargs: Any) -> Any:  # Django 5.2 takes no argument; its stubs describe 6.0's `policy`
        """Django encodes a non-ASCII subject as if it had no header name before it; the folding then puts the
        whole of it on a line of its own, after an empty "Subject:" (some clients show a leading space, others
        a blank subject in lists). Encoded knowing its name, it starts on the Subject line."""
        message = super().message(**kwargs)  # refuses a subject with a line break, as before
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # Message.__setitem__ itself: Django's would turn the Header back into text and encode it again.
            Message.__setitem__(message, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return message


def send(notification: Notification, rendered: Rendered) -> str:
    message_id = f"<{notification.uuid}@{domain()}>"
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated"}
    if notification.ticket is not None:
        # Every message about a ticket threads under one root in the citizen's mail client.
        headers["References"] = f"<ticket-{notification.ticket.reference}@{domain()}>"
    email = NotificationEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender(),
        to=[notification.recipient],
        reply_to=reply_to(notification),
        headers=headers,
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    email.send(fail_silently=False)
    return message_id
