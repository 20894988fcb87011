"""Shared pieces of the OpenAPI description."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse

from guichet.api.rest.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Données ou paramètres invalides (détail par champ dans `fields`).",
    401: "Clé absente, invalide ou révoquée (en-tête WWW-Authenticate).",
    403: "La clé n'a pas le droit nécessaire, ou le compte n'est pas celui d'un agent.",
    404: "Introuvable, ou hors des droits de l'agent (même réponse dans les deux cas).",
    409: "Conflit : version périmée (`stale_version`), changement de statut interdit, demande clôturée…",
    413: "Corps de requête trop volumineux.",
    415: "Type de corps non accepté (JSON, ou multipart/form-data là où des fichiers sont possibles).",
    429: "Trop de requêtes pour cette clé ; réessayez après le délai de l'en-tête Retry-After.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


JSON_PARTS = ("answers", "citizen")
# Parts holding JSON text, declared so in the multipart body's ``encoding``.
JSON_ENCODING = {name: {"contentType": "application/json"} for name in JSON_PARTS}


class TicketUploadExtension(OpenApiSerializerExtension):
    """The file parts of a multipart creation are named after the request type's file fields, which the
    schema cannot list: describe them as additional binary parts."""

    target_class = "guichet.api.rest.serializers.TicketUploadSerializer"

    def map_serializer(self, auto_schema, direction):
        from guichet.api.rest.serializers import TicketCreateSerializer

        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        # ``answers`` and ``citizen`` are parts holding JSON (see JSON_PARTS): the same schema as in the JSON body.
        as_json = TicketCreateSerializer().fields
        for name in JSON_PARTS:
            schema["properties"][name] = {
                **auto_schema._map_serializer_field(as_json[name], direction),
                "description": schema["properties"][name]["description"],
            }
        schema["description"] = (
            "Les champs du corps JSON ; `answers` et `citizen` en JSON ; un fichier par partie `file[<code>]`."
        )
        schema["additionalProperties"] = {
            "type": "string",
            "format": "binary",
            "description": "`file[<code>]` : le fichier du champ `<code>` (PDF, JPEG, PNG, WebP, HEIC).",
        }
        return schema
