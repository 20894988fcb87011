from django.http import HttpRequest

from guichet.organisation.models import Commune


def commune(request: HttpRequest) -> dict[str, object]:
    return {"commune": Commune.current()}
