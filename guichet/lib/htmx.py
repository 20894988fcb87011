from django.http import HttpRequest


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment; history restoration after a cache miss needs the whole page."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
