from django.urls import URLPattern, URLResolver, include, path

from guichet.backoffice.views import (
    auth,
    duplicates,
    inbox,
    inbox_map,
    intake,
    notifications,
    pilotage,
    place,
    preferences,
    quarantine,
    ticket,
)
from guichet.backoffice.views import citizens as citizen_views

app_name = "backoffice"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", inbox.inbox_view, name="inbox"),
    path("carte/", inbox_map.map_page, name="inbox_map"),
    path("carte/demandes.geojson", inbox_map.map_points, name="inbox_map_points"),
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
    path("demandes/<str:reference>/priorite/", ticket.change_priority, name="priority"),
    path("demandes/<str:reference>/pieces/<str:public_id>/", ticket.attachment, name="attachment"),
    path("demandes/<str:reference>/lieu/", place.place_edit, name="place_edit"),
    path("demandes/<str:reference>/pieces/<str:public_id>/publier/", place.photo_publish, name="photo_publish"),
    path("demandes/<str:reference>/pieces/<str:public_id>/retirer/", place.photo_unpublish, name="photo_unpublish"),
    path("demandes/<str:reference>/fusionner/", duplicates.merge, name="merge"),
    path("demandes/<str:reference>/fusionner/annuler/", duplicates.merge_undo, name="merge_undo"),
    path("demandes/<str:reference>/pieces-manquantes/", ticket.documents_request, name="documents_request"),
    path("demandes/<str:reference>/pieces-manquantes/recues/", ticket.documents_received, name="documents_received"),
]
urlpatterns += [
    path("usagers/", citizen_views.directory, name="citizens"),
    path("usagers/recherche/", citizen_views.search_results, name="citizen_search"),
    path("usagers/<str:public_id>/", citizen_views.citizen_view, name="citizen"),
    path("usagers/<str:public_id>/fusionner/", citizen_views.merge, name="citizen_merge"),
]
urlpatterns += [
    path("nouvelle-demande/", intake.new_request, name="new_request"),
    path("demandes/<str:reference>/enregistree/", intake.intake_done, name="intake_done"),
    path("demandes/<str:reference>/recepisse/", intake.receipt, name="receipt"),
    path("demandes/<str:reference>/message-usager/", intake.relayed_message, name="relayed_message"),
]
urlpatterns += [
    path("envois-en-echec/", notifications.failed_list, name="failed_notifications"),
    path("envois-en-echec/<uuid:uuid>/renvoyer/", notifications.resend, name="resend_notification"),
    path("accuses-de-reception-en-retard/", notifications.late_acknowledgements, name="late_acknowledgements"),
]
urlpatterns += [
    path("courrier/", include("guichet.mailroom.urls")),
    path("exports/", include("guichet.exports.urls")),
    path("rgpd/", include("guichet.compliance.urls")),
]
urlpatterns += [
    path("courriels-en-quarantaine/", quarantine.quarantine_list, name="quarantine_list"),
    path("courriels-en-quarantaine/<str:public_id>/", quarantine.quarantine_detail, name="quarantine"),
    path("courriels-en-quarantaine/<str:public_id>/ecarter/", quarantine.quarantine_discard, name="quarantine_discard"),
    path("courriels/<str:public_id>/original/", quarantine.inbound_original, name="inbound_original"),
]
urlpatterns += [
    path("pilotage/", pilotage.pilotage, name="pilotage"),
    path("pilotage/exporter/", pilotage.pilotage_export, name="pilotage_export"),
]
