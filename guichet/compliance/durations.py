"""How long personal data is kept, in words, for the register and the information notice.

A request type's retention is the one the retention job applies (``guichet.retention``): its own
``RetentionPolicy``, else the commune's default; read from the policies cached with the commune, so the short
notice on a form costs no query.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.catalogue.models import RequestType
from guichet.organisation.models import RetentionAction
from guichet.retention.policies import Policy, policy_for_type


def request_policy(request_type: RequestType | None = None) -> Policy:
    return policy_for_type(request_type.pk if request_type is not None else None)


def request_retention_months(request_type: RequestType | None = None) -> int:
    return request_policy(request_type).months


def months_text(months: int, action: str = RetentionAction.ANONYMISE) -> str:
    if action == RetentionAction.DELETE:
        return ngettext(
            "%(count)d mois après la clôture de la demande, puis suppression de la demande.",
            "%(count)d mois après la clôture de la demande, puis suppression de la demande.",
            months,
        ) % {"count": months}
    return ngettext(
        "%(count)d mois après la clôture de la demande, puis anonymisation.",
        "%(count)d mois après la clôture de la demande, puis anonymisation.",
        months,
    ) % {"count": months}


def request_retention_text(request_type: RequestType | None = None) -> str:
    policy = request_policy(request_type)
    return months_text(policy.months, policy.action)


def requests_default_text() -> str:
    """The commune's default, for what is not tied to one request type (scans, received emails)."""
    return request_retention_text(None)


def notifications_retention_text() -> str:
    return _("Comme la demande à laquelle elles se rapportent : %(text)s") % {"text": requests_default_text()}


def days_text(days: int) -> str:
    return ngettext("%(count)d jour, puis suppression.", "%(count)d jours, puis suppression.", days) % {"count": days}


def hours_text(hours: int) -> str:
    return ngettext(
        "Fichier supprimé %(count)d heure après sa création ; la trace de l’export est conservée.",
        "Fichier supprimé %(count)d heures après sa création ; la trace de l’export est conservée.",
        hours,
    ) % {"count": hours}
