from django import template

from guichet.intake.quarantine import quarantine_pending
from guichet.organisation.roles import may_handle_quarantine

register = template.Library()


@register.simple_tag(takes_context=True)
def quarantine_count(context) -> int | None:
    """Messages waiting in the quarantine, for agents who handle it (None for the others: no link)."""
    request = context.get("request")
    if request is None or not may_handle_quarantine(request.user):
        return None
    return quarantine_pending().count()
