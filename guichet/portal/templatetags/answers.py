import datetime

from django import template

register = template.Library()


@register.filter
def iso_date(value: str) -> datetime.date | str:
    """Form answers keep dates as ISO strings; show them as dates."""
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
