import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from guichet.portal.models import Refusal

logger = logging.getLogger("guichet.portal.abuse")


def refusal_record(*, reason: str, reference: str = "") -> None:
    """Count a refused request for an access code (one row per day and reason) and log it."""
    day = timezone.localdate()
    logger.warning("access code refused: reason=%s ticket=%s", reason, reference)
    if Refusal.objects.filter(day=day, reason=reason).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            Refusal.objects.create(day=day, reason=reason, count=1)
    except IntegrityError:  # created meanwhile by a concurrent refusal
        Refusal.objects.filter(day=day, reason=reason).update(count=F("count") + 1)
