"""The mail room's pages: its own agents, supervisors and administrators (``organisation.roles``). Others get a 403."""

from django.http import Http404

from guichet.backoffice.guards import role_required
from guichet.mailroom.models import MailItem
from guichet.organisation.roles import is_supervisor, may_use_mail_room

mail_room_required = role_required(may_use_mail_room, "mailroom/forbidden.html")
supervisor_required = role_required(is_supervisor, "mailroom/forbidden.html")


def get_item(public_id: str) -> MailItem:
    item = MailItem.objects.select_related("ticket", "parent", "qualified_by").filter(public_id=public_id).first()
    if item is None:
        raise Http404
    return item
