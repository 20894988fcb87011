from django.urls import path

from guichet.portal.views import catalogue, identity, nearby, photos, places, results, survey, tracking

app_name = "portal"
urlpatterns = [
    path("", catalogue.home, name="home"),
    path("demarches/<slug:slug>/", catalogue.request_form, name="request_form"),
    path("demarches/<slug:slug>/a-proximite/", nearby.nearby_panel, name="nearby"),
    path("demarches/<slug:slug>/moi-aussi/<str:reference>/", nearby.me_too, name="me_too"),
    path("demarches/<slug:slug>/moi-aussi/<str:reference>/merci/", nearby.me_too_done, name="me_too_done"),
    path("photos/<str:public_id>.jpg", photos.published_photo, name="published_photo"),
    path("resultats/", results.results, name="results"),
    path("identite/theme-<slug:version>.css", identity.theme, name="theme"),
    path("identite/logo-<slug:version>", identity.logo, name="logo"),
    path("adresses/", places.suggestions, name="address_suggestions"),
    path("adresses/point/", places.reverse, name="address_reverse"),
    path("adresses/photo/", places.photo, name="photo_position"),
    path("avis/", survey.survey_code, name="survey_code"),
    path("avis/<str:token>/", survey.survey, name="survey"),
    path("avis/<str:token>/refuser/", survey.survey_refuse_view, name="survey_refuse"),
    path("suivi/", tracking.track, name="track"),
    path("suivi/<str:reference>/", tracking.ticket_page, name="ticket"),
    path("suivi/<str:reference>/confirmation/", tracking.confirmation, name="confirmation"),
    path("suivi/<str:reference>/acces/<str:token>/", tracking.access_link, name="access"),
    path("s/<str:reference>/<str:token>/", tracking.access_link, name="short_access"),  # in SMS
    path("suivi/<str:reference>/repondre/", tracking.reply, name="reply"),
    path("suivi/<str:reference>/code/", tracking.access_code_page, name="access_code"),
    path("suivi/<str:reference>/code/envoyer/", tracking.access_code_send, name="access_code_send"),
    path("suivi/<str:reference>/code/verifier/", tracking.access_code_check, name="access_code_check"),
    path("suivi/<str:reference>/pieces/<str:public_id>/", tracking.attachment, name="attachment"),
    path("suivi/<str:reference>/attestation.pdf", tracking.attestation, name="attestation"),
]
