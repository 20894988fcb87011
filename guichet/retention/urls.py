from django.urls import path

from guichet.retention import views

app_name = "retention"

urlpatterns = [
    path("agent/demandes/<str:reference>/gel/", views.legal_hold, name="legal_hold"),
    path("suivi/telecharger/<str:token>/", views.download, name="download"),
]
