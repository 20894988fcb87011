from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_attributes(latitude: float | None = None, longitude: float | None = None) -> str:
    """The data attributes location.js builds a Leaflet map from: tiles, attribution, centre, and the pin."""
    center = settings.GUICHET_MAP_CENTER
    attributes = format_html(
        'data-tiles="{}" data-attribution="{}" data-center-lat="{}" data-center-lon="{}"',
        settings.GUICHET_MAP_TILES_URL,
        settings.GUICHET_MAP_ATTRIBUTION,
        center[0] if center else "",
        center[1] if len(center) > 1 else "",
    )
    if latitude is not None and longitude is not None:
        attributes += format_html(' data-lat="{}" data-lon="{}"', f"{latitude:.6f}", f"{longitude:.6f}")
    return attributes
