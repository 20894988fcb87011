from django.urls import path

from guichet.accounts.views import dashboard, phone, profile

app_name = "accounts"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("rattacher/", dashboard.claim, name="claim"),
    path("profil/", profile.profile, name="profile"),
    path("telephone/envoyer/", phone.send_code, name="phone_send"),
    path("telephone/verifier/", phone.verify, name="phone_verify"),
    path("mes-donnees/", profile.export, name="export"),
    path("supprimer/", profile.delete, name="delete"),
]
