from django.db.models import QuerySet

from guichet.accounts.models import User
from guichet.exports.models import Export


def exports_of(user: User) -> QuerySet[Export]:
    """An agent's own exports: nobody else may follow or download them."""
    return Export.objects.filter(requested_by=user)
