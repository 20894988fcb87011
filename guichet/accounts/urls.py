from django.urls import path

from guichet.accounts.views import dashboard, logout, oidc, phone, profile

app_name = "accounts"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("rattacher/", dashboard.claim, name="claim"),
    path("profil/", profile.profile, name="profile"),
    path("telephone/envoyer/", phone.send_code, name="phone_send"),
    path("telephone/verifier/", phone.verify, name="phone_verify"),
    path("mes-donnees/", profile.export, name="export"),
    path("supprimer/", profile.delete, name="delete"),
    # Before allauth's own: sign-out also ends the provider's session; the OpenID Connect callback
    # remembers what that needs. Same paths as allauth's, so the addresses registered do not change.
    path("logout/", logout.LogoutView.as_view(), name="logout"),
    path("deconnexion/retour/", logout.logout_return, name="logout_return"),
    path("oidc/<str:provider_id>/login/callback/", oidc.callback, name="oidc_callback"),
]
