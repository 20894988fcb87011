"""REST API views: thin. Each checks the scope (permissions.HasScope), finds the ticket through the
back office's rule (tickets.permissions, 404 otherwise), and hands validated data to a service."""

import hashlib
import json

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from guichet.accounts.models import User
from guichet.api.models import ApiKey, Scope
from guichet.api.rest import serializers as s
from guichet.api.rest.errors import Conflict
from guichet.api.rest.filters import apply_ticket_filters
from guichet.api.rest.pagination import TicketCursorPagination
from guichet.api.rest.parsers import LimitedJSONParser, LimitedMultiPartParser
from guichet.api.rest.schema import JSON_ENCODING, errors
from guichet.compliance.access_log import access_attachment, access_list, access_ticket
from guichet.compliance.models import AccessObject
from guichet.exports import open_data
from guichet.intake.channels.rest import rest_submit
from guichet.lib import references
from guichet.statistics.filters import Period
from guichet.tickets import services
from guichet.tickets.files import attachment_response
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.permissions import Action, can

LIST_RELATED = ("request_type", "service", "assignee", "citizen", "priority")
DETAIL_RELATED = (*LIST_RELATED, "entered_by", "household_member", "api_key", "duplicate_of")


def _detail_queryset(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk"))
    return queryset.select_related(*DETAIL_RELATED).prefetch_related(
        Prefetch("messages", queryset=Message.objects.select_related("author").prefetch_related(attachments)),
        Prefetch("events", queryset=Event.objects.select_related("actor")),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(message__isnull=True).order_by("created_at", "pk"),
            to_attr="form_attachments",
        ),
    )


def get_ticket(request: Request, reference: str, action: str = Action.VIEW) -> Ticket:
    """The ticket if the caller may do ``action`` on it; otherwise the same 404 as for an unknown one."""
    canonical = references.normalise(reference)
    ticket = (
        Ticket.objects.visible_to(request.user).select_related(*DETAIL_RELATED).filter(reference=canonical).first()
        if canonical
        else None
    )
    if ticket is None or not can(request.user, action, ticket):
        raise NotFound(_("Demande introuvable."), code="not_found")
    return ticket


def _user(request: Request) -> User:
    """The agent acting: AgentScopePermission let only an active agent's key or session through."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def _etag(data: dict) -> str:
    payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def detail_response(request: Request, ticket: Ticket, status_code: int = status.HTTP_200_OK) -> HttpResponse:
    ticket = _detail_queryset(Ticket.objects.filter(pk=ticket.pk)).get()
    data = s.TicketDetailSerializer(ticket).data
    etag = _etag(data)
    if request.method == "GET" and (etag in (tags := _if_none_match(request)) or "*" in tags):
        return HttpResponse(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(data, status=status_code, headers={"ETag": etag})


def _key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class TicketList(GenericAPIView):
    read_scope = Scope.TICKETS_READ
    write_scope = Scope.TICKETS_WRITE
    pagination_class = TicketCursorPagination
    serializer_class = s.TicketSerializer
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser]

    @extend_schema(
        operation_id="tickets_list",
        summary="Lister et rechercher les demandes",
        parameters=[s.TicketFilterSerializer],
        responses={200: s.TicketSerializer(many=True), **errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = s.TicketFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.ordering = filters.validated_data["ordering"]
        queryset = apply_ticket_filters(
            Ticket.objects.visible_to(request.user), filters.validated_data, user=_user(request)
        )
        page = self.paginate_queryset(queryset.select_related(*LIST_RELATED))
        access_list(request, AccessObject.TICKET, [ticket.reference for ticket in page or []])
        return self.get_paginated_response(s.TicketSerializer(page, many=True).data)

    @extend_schema(
        operation_id="tickets_create",
        summary="Créer une demande (tout canal) ; en multipart, avec ses fichiers",
        description=(
            "JSON, ou `multipart/form-data` avec les mêmes champs (`answers` et `citizen` en texte JSON) "
            "et un fichier par champ fichier de la démarche, dans la partie `file[<code>]`."
        ),
        request={
            "application/json": s.TicketCreateSerializer,
            "multipart/form-data": OpenApiRequest(s.TicketUploadSerializer, encoding=JSON_ENCODING),
        },
        responses={
            201: s.TicketDetailSerializer,
            200: s.TicketDetailSerializer,
            **errors(400, 401, 403, 409, 413, 415, 429),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        form: s.TicketCreateSerializer
        if request.content_type.startswith("multipart/form-data"):
            form = s.TicketUploadSerializer(data=request.data, context={"files": request.FILES})
        else:
            form = s.TicketCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ticket, created = rest_submit(**form.validated_data, agent=_user(request), api_key=_key(request))
        if not created:
            if ticket.entered_by_id != request.user.pk:
                raise Conflict(_("Cette clé de soumission a déjà servi."), code="submission_key_used")
            return detail_response(request, ticket)
        return detail_response(request, ticket, status.HTTP_201_CREATED)


REFERENCE = OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="Numéro de suivi.")


class TicketDetail(GenericAPIView):
    read_scope = Scope.TICKETS_READ

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="Lire une demande, son fil et son historique",
        parameters=[
            REFERENCE,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="ETag déjà reçu : 304 si inchangé.",
            ),
        ],
        responses={
            200: s.TicketDetailSerializer,
            304: OpenApiResponse(description="Inchangée depuis l'ETag envoyé."),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        ticket = get_ticket(request, reference)
        access_ticket(request, ticket)
        return detail_response(request, ticket)


class TicketAction(GenericAPIView):
    """One POST per action, answering with the ticket as it is now (and its new ETag)."""

    write_scope = Scope.TICKETS_WRITE
    action = Action.VIEW
    input_serializer: type

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        raise NotImplementedError

    def post(self, request: Request, reference: str) -> HttpResponse:
        # The 404 comes first, as in the back office, whatever the input.
        ticket = get_ticket(request, reference, self.action)
        form = self.input_serializer_for(request)(data=request.data)
        form.is_valid(raise_exception=True)
        if not can(request.user, self.action_for(form.validated_data), ticket):
            raise NotFound(_("Demande introuvable."), code="not_found")
        self.perform(request, ticket, form.validated_data)
        return detail_response(request, ticket, self.success_status)

    success_status: int = status.HTTP_200_OK

    def action_for(self, data: dict) -> str:
        return self.action

    def input_serializer_for(self, request: Request) -> type:
        return self.input_serializer


def _action_schema(operation_id: str, summary: str, request, success: int = 200):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=[REFERENCE],
        request=request,
        responses={success: s.TicketDetailSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 429)},
    )


class TicketMessages(TicketAction):
    input_serializer = s.MessageCreateSerializer
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser]
    success_status = status.HTTP_201_CREATED

    def action_for(self, data: dict) -> str:
        return Action.NOTE if data["internal"] else Action.REPLY

    def input_serializer_for(self, request: Request) -> type:
        multipart = request.content_type.startswith("multipart/form-data")
        return s.MessageUploadSerializer if multipart else s.MessageCreateSerializer

    @_action_schema(
        "tickets_messages_create",
        "Répondre à l'usager ou ajouter une note interne (JSON, ou multipart avec des pièces jointes)",
        {"application/json": s.MessageCreateSerializer, "multipart/form-data": s.MessageUploadSerializer},
        201,
    )
    def post(self, request: Request, reference: str) -> HttpResponse:
        return super().post(request, reference)

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        services.message_post_by_agent(
            ticket=ticket,
            agent=_user(request),
            body=data["body"],
            internal=data["internal"],
            new_status=data["then"],
            uploads=data.get("files", []),
            expected_version=data.get("version"),
        )


class TicketStatus(TicketAction):
    input_serializer = s.StatusChangeSerializer
    action = Action.CHANGE_STATUS

    @_action_schema("tickets_status_create", "Changer le statut", s.StatusChangeSerializer)
    def post(self, request: Request, reference: str) -> HttpResponse:
        return super().post(request, reference)

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        outcome = None
        if data["outcome"]:
            outcome = services.outcome_for(
                ticket=ticket,
                kind=data["outcome"],
                competent_body=data["competent_body"],
                duplicate_reference=data["duplicate_of"],
            )
        services.ticket_change_status(
            ticket=ticket,
            to_status=data["status"],
            actor=_user(request),
            reason=data["reason"],
            expected_version=data["version"],
            outcome=outcome,
        )


class TicketAssign(TicketAction):
    input_serializer = s.AssignSerializer
    action = Action.ASSIGN

    @_action_schema("tickets_assign_create", "Attribuer à un agent (ou à personne)", s.AssignSerializer)
    def post(self, request: Request, reference: str) -> HttpResponse:
        return super().post(request, reference)

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        services.ticket_assign(
            ticket=ticket, assignee=data["assignee"], actor=_user(request), expected_version=data["version"]
        )


class TicketPriority(TicketAction):
    input_serializer = s.PriorityChangeSerializer
    action = Action.CHANGE_PRIORITY

    @_action_schema(
        "tickets_priority_create",
        "Changer la priorité (les objectifs sont recalculés depuis la réception)",
        s.PriorityChangeSerializer,
    )
    def post(self, request: Request, reference: str) -> HttpResponse:
        return super().post(request, reference)

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        if data["priority"].pk == ticket.priority_id:
            raise Conflict(
                _("La demande a déjà la priorité « %(name)s ».") % {"name": data["priority"].name}, code="same_priority"
            )
        services.ticket_change_priority(
            ticket=ticket, priority=data["priority"], actor=_user(request), expected_version=data["version"]
        )


class TicketTransfer(TicketAction):
    input_serializer = s.TransferSerializer
    action = Action.TRANSFER

    @_action_schema("tickets_transfer_create", "Transférer à un autre service", s.TransferSerializer)
    def post(self, request: Request, reference: str) -> HttpResponse:
        return super().post(request, reference)

    def perform(self, request: Request, ticket: Ticket, data: dict) -> None:
        if data["service"].pk == ticket.service_id:
            raise Conflict(_("La demande est déjà dans ce service."), code="same_service")
        services.ticket_transfer(
            ticket=ticket,
            service=data["service"],
            actor=_user(request),
            reason=data["reason"],
            expected_version=data["version"],
        )


class TicketAttachment(GenericAPIView):
    read_scope = Scope.TICKETS_READ

    @extend_schema(
        operation_id="tickets_attachments_retrieve",
        summary="Télécharger une pièce jointe",
        parameters=[REFERENCE, OpenApiParameter("public_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="Le fichier."),
            **errors(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, reference: str, public_id: str) -> FileResponse:
        ticket = get_ticket(request, reference)
        item = Attachment.objects.filter(ticket=ticket, public_id=public_id).first()
        if item is None:
            raise NotFound(_("Pièce jointe introuvable."), code="not_found")
        access_attachment(request, ticket, item.public_id)
        return attachment_response(item)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def not_found(request: Request) -> Response:
    raise NotFound(_("Aucune ressource à cette adresse."), code="not_found")


class OpenDataPeriodSerializer(serializers.Serializer):
    start = s.QueryDateField(required=False, help_text=_l("Premier jour (inclus) ; avec end."))
    end = s.QueryDateField(required=False, help_text=_l("Dernier jour (inclus) ; avec start."))

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"start": _("Donnez start et end ensemble, ou aucun des deux.")})
        if start and end and end < start:
            raise serializers.ValidationError({"end": _("La fin de la période précède son début.")})
        return attrs

    def period(self) -> Period:
        start, end = self.validated_data.get("start"), self.validated_data.get("end")
        return Period(start=start, end=end) if start and end else open_data.default_period(timezone.localdate())


class OpenDataRequests(GenericAPIView):
    """The anonymised open-data file (docs/OPEN_DATA.md), streamed: the same bytes as
    ``manage.py export_open_data``. It is the commune's published file, the same for every caller whatever
    their services; scope ``stats:read`` because it holds no personal data."""

    read_scope = Scope.STATS_READ
    pagination_class = None

    @extend_schema(
        operation_id="open_data_requests",
        summary="Données ouvertes : les demandes, anonymisées (CSV, docs/OPEN_DATA.md)",
        description=(
            "Une ligne par demande reçue dans la période (par défaut les douze derniers mois complets) : "
            "aucune donnée personnelle, aucun texte libre, dates au jour, cellules de moins de "
            "GUICHET_STATS_MIN_CELL demandes retirées. CSV UTF-8 sans BOM, séparateur virgule."
        ),
        parameters=[OpenDataPeriodSerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, **errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        form = OpenDataPeriodSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        period = form.period()
        response = StreamingHttpResponse(
            (chunk.encode() for chunk in open_data.open_data_chunks(period)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{open_data.file_name(period)}"'
        return response
