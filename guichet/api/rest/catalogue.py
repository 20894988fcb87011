"""Read-only catalogue: services, themes, priorities, request types with their fields; and the agents (to assign)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from guichet.accounts.models import User
from guichet.api.models import Scope
from guichet.api.rest import serializers as s
from guichet.api.rest.schema import errors
from guichet.catalogue.models import Field, RequestType, Theme
from guichet.organisation.models import Priority, Service


def _request_types():
    return RequestType.objects.select_related("theme", "service").prefetch_related(
        Prefetch("fields", queryset=Field.objects.order_by("order", "pk"))
    )


class CatalogueView(GenericAPIView):
    read_scope = Scope.CATALOGUE_READ
    pagination_class = None


class ServiceList(CatalogueView):
    @extend_schema(
        operation_id="services_list",
        summary="Services de la mairie",
        responses={200: s.ServiceSerializer(many=True), **errors(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response(s.ServiceSerializer(Service.objects.order_by("slug"), many=True).data)


class ThemeList(CatalogueView):
    @extend_schema(
        operation_id="themes_list",
        summary="Thèmes du catalogue",
        responses={200: s.ThemeSerializer(many=True), **errors(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response(s.ThemeSerializer(Theme.objects.all(), many=True).data)


class PriorityList(CatalogueView):
    @extend_schema(
        operation_id="priorities_list",
        summary="Priorités et leurs objectifs (de la moins à la plus urgente)",
        responses={200: s.PrioritySerializer(many=True), **errors(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response(s.PrioritySerializer(Priority.objects.all(), many=True).data)


class RequestTypeList(CatalogueView):
    @extend_schema(
        operation_id="request_types_list",
        summary="Démarches et leurs champs",
        parameters=[s.RequestTypeFilterSerializer],
        responses={200: s.RequestTypeSerializer(many=True), **errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = s.RequestTypeFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = _request_types()
        if theme := filters.validated_data.get("theme"):
            queryset = queryset.filter(theme__slug=theme)
        if service := filters.validated_data.get("service"):
            queryset = queryset.filter(service__slug=service)
        if filters.validated_data.get("active") is not None:
            queryset = queryset.filter(is_active=filters.validated_data["active"])
        return Response(s.RequestTypeSerializer(queryset, many=True).data)


class RequestTypeDetail(CatalogueView):
    @extend_schema(
        operation_id="request_types_retrieve",
        summary="Une démarche et ses champs",
        responses={200: s.RequestTypeSerializer, **errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        request_type = _request_types().filter(slug=slug).first()
        if request_type is None:
            raise NotFound(code="not_found")
        return Response(s.RequestTypeSerializer(request_type).data)


class AgentList(CatalogueView):
    """The active agents, to choose an assignee: what the back office's agent lists show any agent."""

    read_scope = Scope.TICKETS_READ

    @extend_schema(
        operation_id="agents_list",
        summary="Agents (pour attribuer une demande)",
        parameters=[s.AgentFilterSerializer],
        responses={200: s.AgentSerializer(many=True), **errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        filters = s.AgentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = User.objects.filter(agent__isnull=False, is_active=True)
        if service := filters.validated_data.get("service"):
            queryset = queryset.filter(agent__services__slug=service)
        queryset = queryset.select_related("agent").prefetch_related("agent__services").order_by("username")
        return Response(s.AgentSerializer(queryset.distinct(), many=True).data)
