"""How long personal data is kept, in words, for the register and the information notice.

Until retention policies exist (per request type, issue 16's retention part), the one setting
``GUICHET_PERSONAL_DATA_RETENTION_MONTHS`` says how long a closed request keeps its personal data; the merger
points ``request_retention_months`` at the policies.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.catalogue.models import RequestType
from guichet.retention.policies import commune_policy


def request_retention_months(request_type: RequestType | None = None) -> int:
    # The commune's retention policy, the one the job applies by default (guichet.retention; no query: the
    # commune is cached). A request type's own policy is not read here yet: see the issue note.
    return commune_policy().months


def months_text(months: int) -> str:
    return ngettext(
        "%(count)d mois après la clôture de la demande, puis anonymisation.",
        "%(count)d mois après la clôture de la demande, puis anonymisation.",
        months,
    ) % {"count": months}


def request_retention_text(request_type: RequestType | None = None) -> str:
    return months_text(request_retention_months(request_type))


def requests_default_text() -> str:
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
