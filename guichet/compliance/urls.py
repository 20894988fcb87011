from django.urls import path

from guichet.compliance.views import records, rights

# Included under /agent/rgpd/ in the back office's namespace.
urlpatterns = [
    path("", records.register, name="processing_register"),
    path("registre.csv", records.register_export, name="processing_register_csv"),
    path("journal/", records.access_log, name="access_log"),
    path("usagers/<str:public_id>/", rights.citizen_rights, name="citizen_rights"),
    path("usagers/<str:public_id>/donnees.json", rights.citizen_data_json, name="citizen_data_json"),
    path("usagers/<str:public_id>/donnees.pdf", rights.citizen_data_pdf, name="citizen_data_pdf"),
    path("usagers/<str:public_id>/rectifier/", rights.rectify, name="citizen_rectify"),
    path("usagers/<str:public_id>/effacer/", rights.erase, name="citizen_erase"),
]
