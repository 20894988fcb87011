"""The short information notice (GDPR art. 13) beside a form's submit button, and the back office's link."""

from typing import Any

from django import template

from guichet.catalogue.models import RequestType
from guichet.compliance.durations import request_retention_text
from guichet.organisation.models import Commune
from guichet.organisation.roles import may_read_processing_register

register = template.Library()


@register.simple_tag(takes_context=True)
def may_see_rgpd(context: dict[str, Any]) -> bool:
    return may_read_processing_register(context["request"].user)


@register.inclusion_tag("compliance/_notice_short.html")
def privacy_notice(purpose: str, request_type: RequestType | None = None) -> dict[str, Any]:
    """``purpose``: what this form's data is for, in a few words; the recipients are the request type's service
    when there is one. No query beyond the commune already cached."""
    return {
        "commune": Commune.current(),
        "purpose": purpose,
        "service": request_type.service.name if request_type is not None else "",
        "retention": request_retention_text(request_type),
    }
