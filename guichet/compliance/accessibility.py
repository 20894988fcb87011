"""The accessibility status of the online service, computed from the last audit the commune entered.

Law: loi n° 2005-102 du 11 février 2005, art. 47 (version in force since 11 March 2023, modified by loi
n° 2023-171): public bodies' online services are accessible, show whether they comply and publish a
declaration and a multi-year plan; décret n° 2019-768 du 24 juillet 2019 (art. 3 to 5: mention, declaration,
feedback means) and the RGAA 4.1 it refers to set the levels: « totalement conforme » when every criterion is
met, « partiellement conforme » from 50 %, « non conforme » below or without an audit still valid. An audit is
valid three years.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import RequestType
from guichet.organisation.models import Commune

AUDIT_VALID_DAYS = 3 * 365 + 1  # three years, one leap day included
PARTIAL_FROM = Decimal(50)
# The request type behind the declaration's feedback means (seeded by a data migration and the demo).
FEEDBACK_REQUEST_TYPE_SLUG = "signaler-un-defaut-d-accessibilite"
FEEDBACK_DEADLINE_DAYS = 5


class Conformity(TextChoices):
    TOTAL = "total", _("totalement conforme")
    PARTIAL = "partial", _("partiellement conforme")
    NONE = "none", _("non conforme")


@dataclass(frozen=True)
class AccessibilityStatus:
    conformity: Conformity
    audit_date: datetime.date | None
    rate: Decimal | None
    audit_valid: bool

    @property
    def label(self) -> str:
        return str(self.conformity.label)


def audit_is_valid(audit_date: datetime.date | None, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return audit_date is not None and audit_date <= today and (today - audit_date).days <= AUDIT_VALID_DAYS


def accessibility_status(commune: Commune, today: datetime.date | None = None) -> AccessibilityStatus:
    """No query: the audit is on the commune row every page has already loaded."""
    rate = commune.accessibility_audit_rate
    valid = audit_is_valid(commune.accessibility_audit_date, today) and rate is not None
    if not valid or rate is None:
        conformity = Conformity.NONE
    elif rate >= 100:
        conformity = Conformity.TOTAL
    elif rate >= PARTIAL_FROM:
        conformity = Conformity.PARTIAL
    else:
        conformity = Conformity.NONE
    return AccessibilityStatus(conformity, commune.accessibility_audit_date, rate, valid)


def audit_outdated(commune: Commune, today: datetime.date | None = None) -> bool:
    """For the administrators' warning: no audit at all, or one older than three years."""
    return not audit_is_valid(commune.accessibility_audit_date, today)


def feedback_request_type() -> RequestType | None:
    return RequestType.objects.filter(slug=FEEDBACK_REQUEST_TYPE_SLUG, is_active=True).first()


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
