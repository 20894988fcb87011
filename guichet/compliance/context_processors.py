from django.http import HttpRequest

from guichet.compliance.accessibility import accessibility_status
from guichet.organisation.models import Commune


def accessibility(request: HttpRequest) -> dict[str, object]:
    """The footer's « Accessibilité : … conforme », from the commune row already cached: no query."""
    return {"accessibility": accessibility_status(Commune.current())}
