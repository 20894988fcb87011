from django.urls import path

from guichet.exports import views

# Included under /agent/exports/ in the back office's namespace.
urlpatterns = [
    path("demandes/", views.inbox_export, name="export_inbox"),
    path("<uuid:public_id>/", views.export_status, name="export"),
    path("<uuid:public_id>/fichier/", views.export_download, name="export_download"),
]
