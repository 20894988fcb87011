"""The location block's helpers, in JSON for its script: address suggestions, the address of a point, and the
GPS position of a photo (read here, never kept). Public like the form, so rate limited per client address."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from guichet.lib.uploads import check_upload
from guichet.places.geocoding import address_reverse, address_search
from guichet.places.photos import photo_position
from guichet.places.place import parse_position


def _blocked(request: HttpRequest) -> JsonResponse | None:
    if is_ratelimited(request, group="geocode", key="ip", rate=settings.GUICHET_GEOCODE_RATE, increment=True):
        return JsonResponse({"error": _("Trop de recherches d’adresse : réessayez dans une minute.")}, status=429)
    return None


@require_GET
def suggestions(request: HttpRequest) -> JsonResponse:
    if blocked := _blocked(request):
        return blocked
    query = request.GET.get("q", "")[:200]
    return JsonResponse({"results": [place.as_json() for place in address_search(query)]})


@require_GET
def reverse(request: HttpRequest) -> JsonResponse:
    if blocked := _blocked(request):
        return blocked
    try:
        position = parse_position(request.GET.get("lat"), request.GET.get("lon"))
    except ValidationError as error:
        return JsonResponse({"error": error.messages[0]}, status=400)
    if position is None:
        return JsonResponse({"error": _("Indiquez la latitude et la longitude, ou aucune des deux.")}, status=400)
    place = address_reverse(*position)
    return JsonResponse({"result": place.as_json() if place else None})


@require_POST
def photo(request: HttpRequest) -> JsonResponse:
    """The position a photo carries, offered to the citizen; the file itself is not stored by this call."""
    if blocked := _blocked(request):
        return blocked
    upload = request.FILES.get("photo")
    if upload is None:
        return JsonResponse({"error": _("Aucune photo reçue.")}, status=400)
    try:
        checked = check_upload(upload)
    except ValidationError as error:
        return JsonResponse({"error": error.messages[0]}, status=400)
    position = photo_position(checked.file) if checked.content_type.startswith("image/") else None
    if position is None:
        return JsonResponse({"result": None})
    nearest = address_reverse(*position)
    return JsonResponse({"result": {"lat": position[0], "lon": position[1], "label": nearest.label if nearest else ""}})
