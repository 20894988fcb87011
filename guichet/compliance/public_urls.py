from django.urls import path

from guichet.compliance.views import public

app_name = "compliance"
urlpatterns = [
    path("donnees-personnelles/", public.privacy_notice, name="privacy"),
    path("accessibilite/", public.accessibility_declaration, name="accessibility"),
]
