from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, QueryDict

# Citizen pages send anonymous visitors to the citizen sign-in (agents have their own, backoffice:login).
citizen_login_required: Callable = login_required(login_url="account_login")


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, even when empty (``request.POST or None`` would leave it unbound)."""
    return request.POST if request.method == "POST" else None
