from django import template

from guichet.citizens.models import Citizen
from guichet.mailroom.letters import citizen_wants_post

register = template.Library()


@register.inclusion_tag("mailroom/_postal_reply_notice.html")
def postal_reply_notice(citizen: Citizen | None) -> dict:
    """Above the reply form: the answer will go by post, or cannot reach the citizen at all."""
    if citizen is None or citizen.wants_email or citizen.wants_sms:
        return {"kind": ""}
    return {"kind": "post" if citizen_wants_post(citizen) else "unreachable", "citizen": citizen}
