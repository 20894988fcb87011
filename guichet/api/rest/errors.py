"""One error body for every refusal: ``{"status", "code", "detail", "fields"}``.

``fields`` maps a field (dotted for nested ones: ``citizen.email``, ``answers.adresse``) to its
messages; it is empty unless the input was invalid.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from guichet.api.rest.parsers import PayloadTooLarge
from guichet.tickets.exceptions import InvalidTransition, ReplyNotAllowed, StaleTicket, TicketActionError

CONFLICT_CODES = {StaleTicket: "stale_version", InvalidTransition: "invalid_transition", ReplyNotAllowed: "closed"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="Code HTTP, répété.")
    code = serializers.CharField(help_text="Code stable, pour les programmes : not_found, stale_version…")
    detail = serializers.CharField(help_text="Explication en français, à montrer à l'utilisateur.")

    def get_fields(self) -> dict:
        # "fields" would shadow Serializer.fields as a class attribute.
        messages = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages par champ (données invalides), sinon vide.",
        )
        return {**super().get_fields(), "fields": messages}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, TicketActionError):
        return Conflict(exc.message, code=CONFLICT_CODES.get(type(exc), "conflict"))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Ressource introuvable."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return fields
    if isinstance(detail, list) and detail and all(isinstance(item, dict | list) for item in detail):
        fields = {}
        for index, value in enumerate(detail):
            fields.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    messages = [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]
    return {prefix or "non_field_errors": messages}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    if isinstance(codes, list) and len(codes) == 1 and isinstance(codes[0], str):
        return codes[0]
    return exc.default_code


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500, logged and mailed to the admins
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.pop("non_field_errors", None)
        detail = " ".join(general) if general else _("Les données envoyées ne sont pas valides.")
        code = "validation_error"
    else:
        assert isinstance(exc, exceptions.APIException)  # drf_exception_handler answers nothing else
        fields, detail, code = {}, str(exc.detail), _code(exc)
    response.data = {"status": response.status_code, "code": code, "detail": detail, "fields": fields}
    return response
