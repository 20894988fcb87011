from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from guichet.organisation.roles import may_use_mail_room


def mail_room(request: HttpRequest) -> dict[str, object]:
    # Lazy: only the agents' navigation asks, public pages never pay the lookup.
    return {"may_use_mail_room": SimpleLazyObject(lambda: may_use_mail_room(request.user))}
