from django.urls import re_path

from guichet.api.open311 import views

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]+)\.(?P<fmt>\w+)$", views.service_definition, name="service"),
]
