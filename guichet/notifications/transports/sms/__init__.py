"""SMS transports: the backend named by settings.SMS_BACKEND is a module beside this one."""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from guichet.notifications.models import Notification
from guichet.notifications.rendering import Rendered


def send(notification: Notification, rendered: Rendered) -> str:
    try:
        backend = import_module(f"{__name__}.{settings.SMS_BACKEND}")
    except ModuleNotFoundError:
        raise ImproperlyConfigured(f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}") from None
    return backend.send_sms(to=notification.recipient, text=rendered.text, reference=str(notification.uuid))
