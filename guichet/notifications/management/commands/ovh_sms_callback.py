from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from guichet.notifications.transports.sms import ovh


class Command(BaseCommand):
    help = (
        "Déclare à OVHcloud l'adresse des accusés de réception SMS "
        "(SITE_URL/webhooks/sms/ovh/<SMS_WEBHOOK_SECRET>/), à lancer une fois après la configuration."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [
            name
            for name in ("OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY", "OVH_SMS_SERVICE")
            if not getattr(settings, name)
        ]
        if missing:
            raise CommandError(f"Réglages OVHcloud manquants : {', '.join(missing)}")
        if not settings.SMS_WEBHOOK_SECRET:
            raise CommandError("Définissez SMS_WEBHOOK_SECRET : il protège l'adresse des accusés de réception.")
        url = settings.SITE_URL.rstrip("/") + reverse("webhook_sms_ovh", args=[settings.SMS_WEBHOOK_SECRET])
        try:
            ovh.set_delivery_callback(url)
        except ovh.OvhError as error:
            raise CommandError(f"OVHcloud a refusé la configuration : {error}") from None
        self.stdout.write(
            f"Accusés de réception OVHcloud envoyés à {settings.SITE_URL.rstrip('/')}/webhooks/sms/ovh/…/"
        )
