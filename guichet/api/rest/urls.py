from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from guichet.api.rest import catalogue, stats, views
from guichet.api.rest.docs import PublicSchemaMixin

app_name = "api"


class SegmentConverter:
    """A path segment without NUL, which PostgreSQL cannot even compare: such a URL is the catch-all's 404."""

    regex = "[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SegmentConverter, "segment")


class SchemaView(PublicSchemaMixin, SpectacularAPIView):
    pass


class SwaggerView(PublicSchemaMixin, SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar (served by the app), its start-up script as a separate file."""

    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("tickets/", views.TicketList.as_view(), name="tickets"),
    path("tickets/<segment:reference>/", views.TicketDetail.as_view(), name="ticket"),
    path("tickets/<segment:reference>/messages/", views.TicketMessages.as_view(), name="ticket_messages"),
    path("tickets/<segment:reference>/status/", views.TicketStatus.as_view(), name="ticket_status"),
    path("tickets/<segment:reference>/assign/", views.TicketAssign.as_view(), name="ticket_assign"),
    path("tickets/<segment:reference>/transfer/", views.TicketTransfer.as_view(), name="ticket_transfer"),
    path("tickets/<segment:reference>/priority/", views.TicketPriority.as_view(), name="ticket_priority"),
    path(
        "tickets/<segment:reference>/attachments/<segment:public_id>/",
        views.TicketAttachment.as_view(),
        name="ticket_attachment",
    ),
    path("services/", catalogue.ServiceList.as_view(), name="services"),
    path("agents/", catalogue.AgentList.as_view(), name="agents"),
    path("themes/", catalogue.ThemeList.as_view(), name="themes"),
    path("priorities/", catalogue.PriorityList.as_view(), name="priorities"),
    path("request-types/", catalogue.RequestTypeList.as_view(), name="request_types"),
    path("request-types/<segment:slug>/", catalogue.RequestTypeDetail.as_view(), name="request_type"),
    path("stats/", stats.Stats.as_view(), name="stats"),
    path("open-data/requests/", views.OpenDataRequests.as_view(), name="open_data_requests"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/v1/ is a 404 in the API's own error format, not the site's HTML page.
    re_path(r"^", views.not_found, name="not_found"),
]
