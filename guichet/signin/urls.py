from django.urls import path

from guichet.signin import views

app_name = "signin"
urlpatterns = [
    path("", views.recovery_codes, name="root"),
    path("code/", views.verify, name="verify"),
    path("activer/", views.enrol, name="enrol"),
    path("codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("codes-de-secours/nouveaux/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("annuaire/", views.directory_start, name="directory_start"),
    path("annuaire/retour/", views.directory_callback, name="directory_callback"),
]
