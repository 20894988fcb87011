from email.utils import formataddr, parseaddr

from django.conf import settings

from guichet.lib.mail import Email
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


def send(notification: Notification, rendered: Rendered) -> str:
    message_id = f"<{notification.uuid}@{domain()}>"
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated"}
    if notification.ticket is not None:
        # Every message about a ticket threads under one root in the citizen's mail client.
        headers["References"] = f"<ticket-{notification.ticket.reference}@{domain()}>"
    email = Email(
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
