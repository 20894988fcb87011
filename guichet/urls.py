from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from guichet.notifications import webhooks
from guichet.portal.views import errors
from guichet.signin.forms import AdminSignInForm

admin.site.site_header = _("Guichet — administration")
admin.site.site_title = _("Guichet")
admin.site.index_title = _("Réglages de la commune")
admin.site.login_form = AdminSignInForm  # the agents' lock and log apply to /admin/ too

urlpatterns = [
    # Every request walks this list in order until a pattern matches: the citizens' pages, the busiest (the
    # tracking page, the forms), come first. None of them hides a route listed below (tests/test_urls.py).
    path("", include("guichet.portal.urls")),
    path("admin/", admin.site.urls),
    path("", include("guichet.operations.urls")),  # /sante/ and /metrics
    path("agent/securite/", include("guichet.signin.urls")),
    path("", include("guichet.retention.urls")),
    path("agent/", include("guichet.backoffice.urls")),
    path("open311/v2/", include("guichet.api.urls")),
    path("compte/famille/", include("guichet.households.urls")),
    path("compte/", include("guichet.accounts.urls")),
    path("compte/", include("allauth.urls")),  # connexion, inscription, courriel, mot de passe, FranceConnect
    path("api/v1/", include("guichet.api.rest.urls")),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("guichet.compliance.public_urls")),
    path("webhooks/sms/brevo/<str:secret>/", webhooks.brevo_sms, name="webhook_sms_brevo"),
    path("webhooks/sms/ovh/<str:secret>/", webhooks.ovh_sms, name="webhook_sms_ovh"),
]

handler404 = errors.not_found
handler500 = errors.server_error
handler429 = errors.rate_limited  # allauth's rate limits (sign-in, password reset) answer with it
