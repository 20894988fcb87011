from django.contrib import admin
from django.urls import include, path

from guichet.portal.views import errors

urlpatterns = [
    path("admin/", admin.site.urls),
    path("agent/", include("guichet.backoffice.urls")),
    path("", include("guichet.portal.urls")),
]

handler404 = errors.not_found
handler500 = errors.server_error
