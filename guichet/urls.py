from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from guichet.notifications import webhooks
from guichet.portal.views import errors

urlpatterns = [
    path("admin/", admin.site.urls),
    path("agent/", include("guichet.backoffice.urls")),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("guichet.portal.urls")),
    path("webhooks/sms/brevo/<str:secret>/", webhooks.brevo_sms, name="webhook_sms_brevo"),
]

handler404 = errors.not_found
handler500 = errors.server_error
