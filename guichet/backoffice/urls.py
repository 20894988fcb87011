from django.urls import path

from guichet.backoffice.views import auth, inbox, preferences, ticket

app_name = "backoffice"
urlpatterns = [
    path("", inbox.inbox_view, name="inbox"),
    path("connexion/", auth.LoginView.as_view(), name="login"),
    path("deconnexion/", auth.LogoutView.as_view(), name="logout"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("demandes/<str:reference>/", ticket.ticket_view, name="ticket"),
    path("demandes/<str:reference>/repondre/", ticket.reply, name="reply"),
    path("demandes/<str:reference>/note/", ticket.note, name="note"),
    path("demandes/<str:reference>/statut/", ticket.change_status, name="status"),
    path("demandes/<str:reference>/attribuer/", ticket.assign, name="assign"),
    path("demandes/<str:reference>/prendre/", ticket.assign_to_me, name="assign_to_me"),
    path("demandes/<str:reference>/transferer/", ticket.transfer, name="transfer"),
    path("demandes/<str:reference>/pieces/<str:public_id>/", ticket.attachment, name="attachment"),
]
