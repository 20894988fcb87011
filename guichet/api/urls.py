from django.urls import re_path

from guichet.api.open311 import service_requests, views

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]+)\.(?P<fmt>\w+)$", views.service_definition, name="service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", service_requests.service_requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[\w-]+)\.(?P<fmt>\w+)$", service_requests.service_request, name="request"
    ),
    re_path(r"^tokens/(?P<token>[\w-]+)\.(?P<fmt>\w+)$", service_requests.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
