from django.urls import path

from guichet.households import views

app_name = "households"
urlpatterns = [
    path("", views.household, name="household"),
    path("ajouter/", views.member_add, name="member_add"),
    path("<str:public_id>/modifier/", views.member_edit, name="member_edit"),
    path("<str:public_id>/archiver/", views.member_archive, name="member_archive"),
    path("<str:public_id>/restaurer/", views.member_restore, name="member_restore"),
]
