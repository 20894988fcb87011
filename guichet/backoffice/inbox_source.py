"""The inbox as a source of exports: the same view, filters, search and sort as the page shows."""

from django.db.models import QuerySet
from django.http import QueryDict

from guichet.accounts.models import User
from guichet.backoffice import inbox
from guichet.backoffice.forms import InboxFilterForm
from guichet.tickets.models import Ticket

SOURCE = "inbox"


def inbox_tickets(user: User, filters: dict[str, list[str]]) -> QuerySet[Ticket]:
    query = QueryDict(mutable=True)
    for key, values in filters.items():
        query.setlist(key, values)
    view = query.get("vue", inbox.DEFAULT_VIEW)
    if view not in inbox.views_for(user):
        view = inbox.DEFAULT_VIEW
    return inbox.apply_filters(inbox.view_queryset(user, view), InboxFilterForm(query).filters())
