"""The commune's logo in PDFs: inlined as a data: URI, the one scheme WeasyPrint is allowed to fetch."""

from typing import Any

from django import template

from guichet.organisation.identity import logo_data_uri
from guichet.organisation.models import Commune

register = template.Library()


@register.simple_tag(takes_context=True)
def commune_logo_data_uri(context: dict[str, Any]) -> str:
    commune = context.get("commune") or Commune.current()
    return logo_data_uri(commune.logo) if commune.logo else ""
